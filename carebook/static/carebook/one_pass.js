// One pass per person: progressive enhancement only. The server checks everything again.
// Each check of the person and each label, as it is tapped, is reported so that the server keeps the time of
// the tap (its own clock, never one sent from here). If the report fails, the answer is timed when it is saved.

const form = document.querySelector("[data-pass-form]");

function reportTap(input) {
  const prompt = input.closest("[data-prompt]");
  const url = form.dataset.answerUrl;
  const token = form.querySelector('input[name="csrfmiddlewaretoken"]');
  if (!prompt || !url || !token) return;
  const body = new FormData();
  body.append("prompt", prompt.dataset.prompt);
  body.append("result", input.value);
  fetch(url, { method: "POST", body, headers: { "X-CSRFToken": token.value }, credentials: "same-origin" }).catch(
    () => {},
  );
}

if (form) {
  form.addEventListener("change", (event) => {
    const input = event.target;
    if (input instanceof HTMLInputElement && input.type === "radio" && input.closest("[data-prompt]")) {
      reportTap(input);
    }
  });
}
