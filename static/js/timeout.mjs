// The warning before a session ends (the GOV.UK and HMRC timeout-warning pattern).
//
// A signed-in page carries a <dialog> saying when the session ends. Shortly before, the page
// asks the server how long is really left (another tab may have kept the session going) and,
// if the end is near, opens the dialog: focus moves into it, and screen readers announce it.
// "Stay signed in", or Escape, extends the session through the keep-alive form and closes it.
// When the end comes anyway, nothing on the page is touched: what was typed stays, and a save
// after that keeps it through signing in again.

const ANNOUNCE_EVERY = 20 // seconds between spoken countdowns

function words (seconds, dialog) {
  const minutes = Math.ceil(seconds / 60)
  if (seconds > 60) {
    return (minutes === 1 ? dialog.dataset.minute : dialog.dataset.minutes).replace('%(n)s', minutes)
  }
  return (seconds === 1 ? dialog.dataset.second : dialog.dataset.seconds).replace('%(n)s', seconds)
}

export function initTimeoutWarning (dialog) {
  if (!dialog || typeof dialog.showModal !== 'function') return
  const form = dialog.querySelector('form.app-timeout__stay')
  const countdowns = dialog.querySelectorAll('.app-timeout__countdown')
  const announce = dialog.querySelector('.app-timeout__announce')
  const statusUrl = dialog.dataset.statusUrl
  let deadline = 0 // when the session ends, in ms since the epoch
  let timer = null
  let ticker = null
  let returnFocus = null
  let lastAnnounced = 0
  let ended = false

  function schedule (left, canExtend, warnSeconds) {
    deadline = Date.now() + left * 1000
    dialog.dataset.canExtend = canExtend ? 'true' : 'false'
    clearTimeout(timer)
    timer = setTimeout(check, Math.max(0, (left - warnSeconds) * 1000))
  }

  function secondsLeft () {
    return Math.max(0, Math.round((deadline - Date.now()) / 1000))
  }

  async function ask (url, options) {
    const response = await fetch(url, {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
      ...options
    })
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
    return response.json()
  }

  async function check () {
    let state
    try {
      state = await ask(statusUrl)
    } catch {
      state = null // offline or asleep: warn on the page's own reckoning
    }
    if (state && !state.signed_in) return signedOut()
    if (state && state.seconds_left > state.warn_seconds + 1) {
      return schedule(state.seconds_left, state.can_extend, state.warn_seconds)
    }
    if (state) deadline = Date.now() + state.seconds_left * 1000
    open()
  }

  // One of three things to say: the session can be extended; it cannot (the limit since
  // signing in); it has ended. The dialog is named and described by the one shown.
  function show (state) {
    for (const part of dialog.querySelectorAll('[data-state]')) {
      part.hidden = part.dataset.state !== state
    }
    dialog.setAttribute('aria-labelledby', `timeout-${state}-title`)
    dialog.setAttribute('aria-describedby', `timeout-${state}-text`)
    if (!dialog.open) {
      returnFocus = document.activeElement
      dialog.showModal()
    }
  }

  function open () {
    show(dialog.dataset.canExtend === 'true' ? 'extend' : 'final')
    lastAnnounced = Date.now() // opening is announced: the countdown is spoken from then on
    clearInterval(ticker)
    ticker = setInterval(tick, 1000)
    tick()
  }

  function tick () {
    const left = secondsLeft()
    if (left <= 0) return signedOut()
    for (const countdown of countdowns) countdown.textContent = words(left, dialog)
    const now = Date.now()
    if (now - lastAnnounced >= ANNOUNCE_EVERY * 1000) {
      lastAnnounced = now
      announce.textContent = dialog.dataset.announce.replace('%(time)s', words(left, dialog))
    }
  }

  function close () {
    clearInterval(ticker)
    if (dialog.open) dialog.close()
    if (returnFocus && typeof returnFocus.focus === 'function') returnFocus.focus()
  }

  async function stay () {
    if (dialog.dataset.canExtend !== 'true') { // nothing extends the limit since signing in
      close()
      clearTimeout(timer)
      timer = setTimeout(check, (secondsLeft() + 1) * 1000) // then say it has ended
      return
    }
    try {
      const state = await ask(form.action, { method: 'POST', body: new FormData(form) })
      if (!state.signed_in) return signedOut()
      close()
      schedule(state.seconds_left, state.can_extend, state.warn_seconds)
    } catch {
      form.submit() // the page itself then signs in again or comes back
    }
  }

  function signedOut () {
    clearTimeout(timer)
    clearInterval(ticker)
    ended = true
    show('ended')
    announce.textContent = ''
    dialog.querySelector('[data-state="ended"] button').focus()
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    stay()
  })
  for (const button of dialog.querySelectorAll('.app-timeout__close')) {
    button.addEventListener('click', close)
  }
  dialog.addEventListener('cancel', (event) => { // Escape
    event.preventDefault()
    if (ended) return close()
    stay()
  })

  schedule(
    Number(dialog.dataset.secondsLeft),
    dialog.dataset.canExtend === 'true',
    Number(dialog.dataset.warnSeconds)
  )
}
