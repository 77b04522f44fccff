// Cleanup placeholder: replaced by the action's real post step.
