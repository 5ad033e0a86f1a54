import { initAll } from '../govuk-frontend/govuk-frontend.min.js'
import { initTimeoutWarning } from './timeout.mjs'

initAll()
initTimeoutWarning(document.getElementById('timeout-warning'))
