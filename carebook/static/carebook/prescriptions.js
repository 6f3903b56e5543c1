// Small enhancements for the prescription form. The page works fully without them:
// without JavaScript every part of the schedule is shown, each with a hint saying when it applies.
const form = document.getElementById("prescription-form");

function syncSchedule() {
  // Show only the questions of the chosen schedule (NHS conditional reveal), and hide the times
  // of day for a when-required medicine. The form ignores the parts of other schedules anyway.
  form.querySelectorAll('input[name="schedule_kind"]').forEach((input) => {
    const id = input.getAttribute("aria-controls") || input.dataset.ariaControls;
    const panel = id ? document.getElementById(id) : null;
    if (!panel) return;
    input.setAttribute("aria-controls", id);
    panel.classList.toggle("cb-hidden", !input.checked);
  });
  const times = document.getElementById("times-group");
  const prn = form.querySelector('input[name="schedule_kind"][value="prn"]');
  if (times && prn) times.classList.toggle("cb-hidden", prn.checked);
}

function syncUnit() {
  // Show the chosen medicine's dose unit beside the dose boxes.
  const chosen = form.querySelector('input[name="medicine_id"]:checked');
  if (!chosen || !chosen.dataset.unit) return;
  form.querySelectorAll("[data-unit-suffix]").forEach((element) => {
    element.textContent = chosen.dataset.unit;
  });
}

if (form) {
  form.addEventListener("change", (event) => {
    if (event.target.name === "schedule_kind") syncSchedule();
    if (event.target.name === "medicine_id") syncUnit();
  });
  document.body.addEventListener("htmx:afterSwap", syncUnit);
  window.addEventListener("pageshow", syncSchedule);
  syncSchedule();
  syncUnit();
}
