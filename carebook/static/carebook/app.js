// Start the NHS design system's components (error summary focus, radios, etc.).
import { initAll } from "../vendor/nhsuk/nhsuk-frontend.min.js";

initAll();
document.documentElement.classList.add("cb-js");
