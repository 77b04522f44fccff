var __webpack_exports__ = {};

// Cleanup placeholder: replaced by the action's real post step.

