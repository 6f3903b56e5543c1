// Recording a dose: progressive enhancement only. The server checks everything again.
// - The outcome stays unavailable until the person is confirmed.
// - "Given" outcomes are offered only once every check is answered "Yes" (a reading may be skipped with a note).
// - If any check is answered "No", only the not-given outcomes are offered.
// - If the server says a reading means "do not give" (the decision box it sends as the reading is typed),
//   only the not-given outcomes are offered. The server decides again when the record is saved.

const form = document.querySelector("[data-record-form]");

function answerOf(prompt) {
  const checked = prompt.querySelector('input[type="radio"]:checked');
  return checked ? checked.value : "";
}

function update() {
  const prompts = Array.from(form.querySelectorAll("[data-prompt]"));
  const answers = prompts.map((p) => ({ name: p.dataset.prompt, value: answerOf(p) }));
  const person = answers.find((a) => a.name === "right_person");
  const personConfirmed = person !== undefined && person.value === "confirmed";
  const anyFailed = answers.some((a) => a.value === "failed");
  const allAnswered = answers.every((a) => a.value !== "");
  const withheld = form.querySelector('[data-reading-decision="withhold"]') !== null;
  const canGive = allAnswered && !anyFailed && !withheld;
  const canRecord = personConfirmed || anyFailed;

  const section = form.querySelector("[data-outcome-section]");
  const wait = form.querySelector("[data-outcome-wait]");
  section.dataset.disabled = canRecord ? "false" : "true";
  form.querySelectorAll('input[name="outcome"]').forEach((input) => {
    const taken = input.dataset.taken === "true";
    const allowed = canRecord && (!taken || canGive);
    input.disabled = !allowed;
    if (!allowed && input.checked) {
      input.checked = false;
    }
  });
  let message = "";
  if (!canRecord) {
    message = "Confirm the person first. Then answer each check to record the dose.";
  } else if (anyFailed) {
    message = "A check failed: only a not-given outcome can be recorded.";
  } else if (withheld) {
    message = "The reading means do not give: record it as not given (Not required) and say why.";
  } else if (!canGive) {
    message = "Answer every check to record the dose as given.";
  }
  if (wait) {
    wait.textContent = message;
    wait.classList.toggle("nhsuk-u-visually-hidden", message === "");
  }
}

// Report each answer as it is tapped, so the server keeps the time of every check (it uses its own
// clock, never one sent from here). If this fails, the answer is still timed when the record is saved.
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
    if (event.target instanceof HTMLInputElement && event.target.type === "radio") {
      if (event.target.name.startsWith("prompt_")) reportTap(event.target);
      update();
    }
  });
  // The reading's decision box is swapped in by htmx (record_reading_decision.html).
  document.body.addEventListener("htmx:afterSwap", update);
  update();
}
