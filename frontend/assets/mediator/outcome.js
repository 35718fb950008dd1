/* What the case panel does once its own act has succeeded. Typing in a form marks the panel as
 * holding unsaved input; a change the panel made itself must never be taken for someone else's. */

/** "gone": the act moved the case out of the user's jurisdiction (204); "show": the answer is the
 * case as it is now; "reload": the answer is something else (a joint task's answer), so fetch the
 * case and show it, the form closed. */
export function afterAct(response) {
  if (response.status === 204) return "gone";
  const data = response.data;
  if (data && typeof data === "object" && "version" in data && "allowed_actions" in data) return "show";
  return "reload";
}
