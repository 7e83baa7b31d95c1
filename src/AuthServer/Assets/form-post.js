// Submits the form_post response as soon as the page has loaded; without JavaScript the button does the same.
document.forms[0].submit();
