// The alerts dashboard polls its lists every 30 seconds (htmx). A poll that brings nothing new swaps nothing, so
// a screen reader hears nothing and focus stays where it is; one that does brings focus back to the same link
// (each link has a stable id) or, when that alert has gone, to the list itself, never to the top of the page.
const lists = document.getElementById("alert-lists");

if (lists) {
  let last = null;
  let focusedId = null;
  let hadFocus = false;
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target !== lists) return;
    const text = event.detail.xhr.responseText;
    if (!event.detail.xhr.status || event.detail.xhr.status >= 400 || text === last) {
      event.detail.shouldSwap = false; // signed out, or an error: keep what is shown
      return;
    }
    last = text;
    const active = document.activeElement;
    hadFocus = Boolean(active && lists.contains(active));
    focusedId = hadFocus && active.id ? active.id : null;
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target !== lists || !hadFocus) return;
    const again = focusedId ? document.getElementById(focusedId) : null;
    if (again) {
      again.focus();
    } else {
      lists.setAttribute("tabindex", "-1");
      lists.focus();
    }
  });
}
