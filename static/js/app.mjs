import { initAll } from '../govuk-frontend/govuk-frontend.min.js'
import { initTimeoutWarning } from './timeout.mjs'
import { initPreparing } from './preparing.mjs'

initAll()
initTimeoutWarning(document.getElementById('timeout-warning'))
initPreparing(document.querySelector('[data-module="app-preparing"]'))
