// Start the NHS design system's components (error summary focus, conditional reveals, double-click prevention).
// nhsuk-frontend starts only where <body> says it is supported; its usual inline snippet is blocked by our CSP.
import { initAll } from "../vendor/nhsuk/nhsuk-frontend.min.js";

document.body.classList.add("nhsuk-frontend-supported");
initAll();
document.documentElement.classList.add("cb-js");
