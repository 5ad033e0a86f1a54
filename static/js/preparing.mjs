// The board paper being prepared: without JavaScript, "Check again and download" asks again.
// With it, the page asks quietly every few seconds (HEAD, so nothing is downloaded) and, once
// the paper is ready, says so in its status region: the button then downloads it at once.
// Nothing moves and nothing downloads by itself.

const EVERY = 3000 // ms between checks
const GIVE_UP = 40 // checks: after two minutes, the buttons remain

export function initPreparing (region) {
  if (!region || typeof fetch !== 'function') return
  const status = region.querySelector('.app-preparing__status')
  let checks = 0

  async function check () {
    checks += 1
    try {
      const response = await fetch(region.dataset.url, { method: 'HEAD', credentials: 'same-origin' })
      if ((response.headers.get('Content-Type') || '').startsWith('application/pdf')) {
        status.textContent = region.dataset.ready
        return
      }
    } catch (error) {
      // The network failed: the buttons still work; try again as usual.
    }
    if (checks < GIVE_UP) setTimeout(check, EVERY)
  }
  setTimeout(check, EVERY)
}
