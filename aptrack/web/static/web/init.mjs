// Progressive enhancement only: every form and page works without JavaScript.
const script = document.querySelector('script[data-govuk-frontend]');
const { initAll } = await import(script.dataset.govukFrontend);
initAll();
