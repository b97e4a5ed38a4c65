// Marks the page as script-enabled before it renders (GOV.UK Frontend's convention),
// from a file rather than inline so the Content-Security-Policy can forbid inline script.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
