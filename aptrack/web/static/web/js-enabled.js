// Marks the page as able to run the GOV.UK Frontend components (before they initialise).
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
