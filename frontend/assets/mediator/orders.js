/* The case panel's supervision orders (督办): each order with its own ticking reply deadline, its
 * replies, and the forms the user may use now (reply, close, issue), built like the acts' forms
 * from specs the page derives from the API's input serializers (supervision/faces.py). */
import { api, withId } from "./api.js";
import { actForm } from "./acts.js";
import { fmt, h } from "./dom.js";
import { countdown, when } from "./format.js";

const AWAITING = new Set(["open", "reminded", "escalated"]);

export function ordersSection(panel, detail) {
  const sup = panel.config.supervision;
  const S = sup.strings;
  const body = h("div", { class: "orders-body" }, h("p", { class: "muted", text: panel.strings.loading }));
  const section = h(
    "section",
    { class: "panel-section section-orders", "aria-labelledby": "panel-orders-title" },
    h("h3", { id: "panel-orders-title", text: S.title }),
    body,
  );
  api(withId(sup.urls.orders, detail.id))
    .then(({ data }) => {
      if (panel.caseId !== detail.id) return;
      body.replaceChildren(...orderList(panel, detail, data));
      tickOrders(panel.root, panel.strings);
    })
    .catch((error) => {
      body.replaceChildren(h("p", { class: "form-error", role: "alert", text: fmt(S.load_failed, { message: error.message }) }));
    });
  return section;
}

function orderList(panel, detail, data) {
  const sup = panel.config.supervision;
  const S = sup.strings;
  const parts = [];
  const orders = data.orders || [];
  if (!orders.length) parts.push(h("p", { class: "muted", text: S.none }));
  else parts.push(h("ol", { class: "orders plain" }, orders.map((order) => orderItem(panel, order))));
  if (data.may_issue) parts.push(formToggle(panel, sup.issue, detail.id, "issue"));
  return parts;
}

function orderItem(panel, order) {
  const sup = panel.config.supervision;
  const S = sup.strings;
  const state = sup.states[order.state] || order.state_display;
  const lines = [
    h(
      "p",
      { class: "order-head" },
      h("span", { class: `badge order-state order-${order.state}`, dataset: { state: order.state } }, state),
      " ",
      h("strong", { text: sup.reasons[order.reason] || order.reason_display }),
      " · ",
      h("span", { text: sup.levels[order.level] || order.level_display }),
    ),
    AWAITING.has(order.state) ? h("p", { class: "order-countdown", dataset: { due: order.due_at } }) : null,
    h("p", { class: "order-required", text: order.required }),
    h("p", { class: "muted small", text: fmt(S.issued, { when: when(order.issued_at), who: order.issued_by || order.issuing_unit || S.system }) }),
    h("p", { class: "muted small", text: fmt(S.addressed, { unit: order.unit || "", days: order.days }) }),
    order.reminded_at ? h("p", { class: "muted small warn", text: fmt(S.reminded, { when: when(order.reminded_at) }) }) : null,
    order.closed_at ? h("p", { class: "muted small", text: fmt(S.closed, { when: when(order.closed_at) }) }) : null,
  ];
  const replies = (order.replies || []).map((reply) =>
    h("li", {}, h("p", { class: "muted small", text: fmt(S.reply_by, { who: reply.by, unit: reply.unit || "", when: when(reply.at) }) }), h("p", { text: reply.text })),
  );
  if (replies.length) lines.push(h("ul", { class: "order-replies plain" }, replies));
  const allowed = new Set(order.allowed || []);
  if (allowed.has("reply")) lines.push(formToggle(panel, sup.reply, order.id, `reply-${order.id}`));
  if (allowed.has("close")) lines.push(formToggle(panel, sup.close, order.id, `close-${order.id}`));
  return h("li", { class: "order", dataset: { order: order.id, state: order.state } }, lines);
}

/** A button that opens its form below it (the acts' pattern: aria-expanded, Cancel closes it). */
function formToggle(panel, spec, target, key) {
  const formId = `order-form-${key}`;
  const wrap = h("div", { class: "act-form-wrap", id: formId, hidden: true, role: "group", "aria-label": spec.title });
  const button = h("button", {
    type: "button",
    class: spec.main ? "act-button main" : "act-button",
    "aria-expanded": "false",
    "aria-controls": formId,
    dataset: { orderAct: key },
    text: spec.title,
  });
  const show = (open) => {
    wrap.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (open) {
      const first = wrap.querySelector("select, textarea, input:not([type=hidden]), button[type=submit]");
      if (first) first.focus({ preventScroll: true });
    }
  };
  button.addEventListener("click", () => show(wrap.hidden));
  wrap.append(
    h("h4", { text: spec.title }),
    actForm(spec, {
      detail: panel.detail,
      config: panel.config,
      strings: panel.strings,
      target,
      extraTitle: "",
      onInput: () => {
        panel.dirty = true;
      },
      // The answer is an order, not the case: the panel reloads the case (and so its orders).
      onDone: (response) => panel.onActDone(spec, response),
    }),
    h("button", { type: "button", class: "quiet cancel", text: panel.strings.cancel, onclick: () => show(false) }),
  );
  return h("div", { class: "order-act" }, button, wrap);
}

/** Each open order's own countdown to its reply deadline. */
export function tickOrders(root, strings) {
  root.querySelectorAll(".order-countdown").forEach((el) => {
    const due = el.dataset.due;
    if (!due) return;
    const left = countdown(due, strings, Date.now(), true);
    el.replaceChildren(
      h("span", { class: "label", text: `${strings.deadline} ` }),
      h("time", { datetime: due, text: left.text }),
      h("span", { class: "due", text: ` · ${fmt(strings.due, { when: when(due) })}` }),
    );
    el.classList.toggle("late", left.overdue);
  });
}
