// Starts GOV.UK Frontend and MoJ Frontend components on every page.
import { initAll } from '/static/vendor/govuk/govuk-frontend.min.js'
initAll()
