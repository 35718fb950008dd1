/* The report form: category, what happened, where, photos, parties, settled on the spot.
 *
 * Saving stores the report and its photos on the phone first (the outbox), then sends it; the
 * form never waits for the network. Checks here spare the user a refusal for what the server
 * is sure to refuse (an empty description, a settled matter without a result photo …); the
 * server's own checks still decide.
 */
import { CategoryPicker, favourites, index, remember } from "./categories.js";
import { newId } from "./ids.js";
import { PhotoError, preparePhoto } from "./photos.js";
import { PositionPicker } from "./position.js";
import { WAITING } from "./outbox.js";
import { t } from "./text.js";

const $ = (id) => document.getElementById(id);

function localDateTimeValue(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export class ReportForm {
  /** `app` gives: auth(), outbox, cells(), saved(item) */
  constructor(app) {
    this.app = app;
    this.form = $("report-form");
    this.category = null;
    this.byCode = new Map();
    this.evidence = [];
    this.results = [];
    this.processing = 0;
    this.replaces = null;
    this.partyCounter = 0;
    this.picker = new CategoryPicker((node) => this.setCategory(node));
    this.position = new PositionPicker({
      status: $("position-status"),
      mapElement: $("position-map"),
      gpsButton: $("position-gps"),
      cells: () => app.cells(),
      onChange: () => this.clearError("position"),
    });

    $("category-choose").addEventListener("click", () => this.picker.open());
    $("position-pin").addEventListener("click", () => {
      this.position.showMap();
      $("position-map").scrollIntoView({ block: "nearest" });
    });
    $("position-gps").addEventListener("click", () => {
      this.position.pin = null;
      this.position.start();
      if (!this.position.poor()) $("position-map").hidden = true;
      this.position.describe();
    });
    $("description").addEventListener("input", () => this.clearError("description"));
    $("result").addEventListener("input", () => this.clearError("result"));
    $("photos").addEventListener("change", (event) => this.addPhotos(event.target, this.evidence, "photo-list", "photos"));
    $("result-photo").addEventListener("change", (event) =>
      this.addPhotos(event.target, this.results, "result-photo-list", "result-photo"),
    );
    $("settled").addEventListener("change", () => this.showSettled());
    $("party-add").addEventListener("click", () => this.addParty());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    this.reset();
  }

  /** The tree, and the user's favourites first. */
  async setTree(tree) {
    this.picker.setTree(tree);
    this.byCode = index(tree || []);
    if (this.byCode.size) document.getElementById("phone-app").dataset.categories = "loaded";
    await this.renderFavourites();
  }

  async renderFavourites() {
    const auth = this.app.auth();
    const box = $("category-recent");
    box.textContent = "";
    if (!auth) return;
    const nodes = await favourites(auth.username, this.byCode);
    $("category-recent-label").hidden = !nodes.length;
    nodes.forEach((node) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "chip";
      button.dataset.code = node.code;
      button.textContent = node.name;
      button.setAttribute("aria-pressed", String(Boolean(this.category && this.category.code === node.code)));
      button.addEventListener("click", () => this.setCategory(node));
      box.append(button);
    });
  }

  setCategory(node) {
    if (!node) return;
    this.category = node;
    $("category-chosen").textContent = node.path && node.path.length ? `${node.path.join(" › ")} › ${node.name}` : node.name;
    $("category-choose").classList.add("chosen");
    $("category-recent")
      .querySelectorAll("button")
      .forEach((button) => button.setAttribute("aria-pressed", String(button.dataset.code === node.code)));
    $("parties").hidden = node.kind !== "dispute";
    this.clearError("category");
  }

  showSettled() {
    $("settled-fields").hidden = !$("settled").checked;
  }

  /** Start afresh: a new report, the position watched again. */
  reset() {
    this.form.reset();
    this.category = null;
    this.replaces = null;
    $("category-chosen").textContent = t("chooseCategory");
    $("category-choose").classList.remove("chosen");
    $("parties").hidden = true;
    $("party-list").textContent = "";
    this.evidence = [];
    this.results = [];
    this.renderPhotos(this.evidence, "photo-list", "photos");
    this.renderPhotos(this.results, "result-photo-list", "result-photo");
    $("occurred").value = localDateTimeValue(new Date());
    $("occurred").max = localDateTimeValue(new Date(Date.now() + 5 * 60 * 1000));
    this.showSettled();
    this.form.querySelectorAll(".error").forEach((element) => {
      element.hidden = true;
      element.textContent = "";
    });
    this.form.querySelectorAll("[aria-invalid]").forEach((element) => element.removeAttribute("aria-invalid"));
    $("report-error").hidden = true;
    this.position.reset();
    this.renderFavourites();
  }

  activate() {
    this.position.start();
    if (!this.position.mapElement.hidden && this.position.map) this.position.map.invalidateSize();
  }

  deactivate() {
    this.position.stop();
  }

  // --- photos ---------------------------------------------------------------------------

  async addPhotos(input, list, listId, errorKey) {
    const files = Array.from(input.files || []);
    input.value = ""; // the same photo may be chosen again after removing it
    this.clearError(errorKey);
    this.processing += 1;
    $("report-submit").disabled = true;
    try {
      for (const file of files) {
        try {
          const photo = await preparePhoto(file);
          if (!list.some((other) => other.sha256 === photo.sha256)) list.push(photo);
        } catch (error) {
          if (!(error instanceof PhotoError)) throw error;
          this.showError(errorKey, t(error.reason));
        }
      }
    } finally {
      this.processing -= 1;
      $("report-submit").disabled = this.processing > 0;
    }
    this.renderPhotos(list, listId, errorKey);
  }

  renderPhotos(list, listId, errorKey) {
    const box = $(listId);
    box.querySelectorAll("img").forEach((image) => URL.revokeObjectURL(image.src));
    box.textContent = "";
    list.forEach((photo, position) => {
      const item = document.createElement("li");
      const image = document.createElement("img");
      image.src = URL.createObjectURL(photo.blob);
      image.alt = t("photo", { number: position + 1 });
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "remove";
      remove.textContent = "×";
      remove.setAttribute("aria-label", t("removePhoto", { number: position + 1 }));
      remove.addEventListener("click", () => {
        list.splice(position, 1);
        this.renderPhotos(list, listId, errorKey);
      });
      item.append(image, remove);
      box.append(item);
    });
  }

  // --- parties --------------------------------------------------------------------------

  addParty(values = {}) {
    const row = $("party-row").content.firstElementChild.cloneNode(true);
    this.partyCounter += 1;
    const suffix = this.partyCounter;
    row.querySelectorAll("[data-field]").forEach((input) => {
      input.id = `party-${input.dataset.field}-${suffix}`;
      const label = row.querySelector(`label[data-for="${input.dataset.field}"]`);
      if (label) label.htmlFor = input.id;
      if (values[input.dataset.field]) input.value = values[input.dataset.field];
    });
    // The first party usually applies (申请人); the next one is the other side (被申请人).
    if (!values.role) row.querySelector('[data-field="role"]').value = $("party-list").children.length ? "respondent" : "applicant";
    row.querySelector(".party-remove").addEventListener("click", () => {
      row.remove();
      this.numberParties();
    });
    $("party-list").append(row);
    this.numberParties();
    row.querySelector('[data-field="name"]').focus();
  }

  numberParties() {
    Array.from($("party-list").children).forEach((row, position) => {
      row.querySelector(".party-title").textContent = t("party", { number: position + 1 });
      row.querySelector(".party-remove").setAttribute("aria-label", t("removeParty", { number: position + 1 }));
    });
  }

  parties() {
    if ($("parties").hidden) return [];
    return Array.from($("party-list").children).map((row) => {
      const value = (field) => row.querySelector(`[data-field="${field}"]`).value.trim();
      const party = { name: value("name"), role: value("role") };
      ["phone", "id_number", "address"].forEach((field) => {
        if (value(field)) party[field] = field === "id_number" ? value(field).toUpperCase() : value(field);
      });
      return party;
    });
  }

  // --- errors ---------------------------------------------------------------------------

  showError(key, message) {
    const element = $(`${key}-error`);
    if (!element) return;
    element.textContent = message;
    element.hidden = false;
    const field = $(key);
    if (field && field.matches("input, textarea, select")) field.setAttribute("aria-invalid", "true");
  }

  clearError(key) {
    const element = $(`${key}-error`);
    if (element) {
      element.hidden = true;
      element.textContent = "";
    }
    const field = $(key);
    if (field) field.removeAttribute("aria-invalid");
  }

  validate() {
    const errors = [];
    if (!this.category) errors.push(["category", t("invalid.category")]);
    if (!$("description").value.trim()) errors.push(["description", t("invalid.description")]);
    if (!this.position.value()) errors.push(["position", t("invalid.position")]);
    const occurred = $("occurred").value ? new Date($("occurred").value) : null;
    if (occurred && occurred.getTime() > Date.now() + 5 * 60 * 1000) errors.push(["occurred", t("invalid.occurred")]);
    if (this.parties().some((party) => !party.name)) errors.push(["parties", t("invalid.partyName")]);
    if ($("settled").checked) {
      if (!$("result").value.trim()) errors.push(["result", t("invalid.result")]);
      if (!this.results.length) errors.push(["result-photo", t("invalid.resultPhoto")]);
    }
    return errors;
  }

  // --- saving ---------------------------------------------------------------------------

  async save() {
    const auth = this.app.auth();
    if (!auth || this.processing) return;
    const errors = this.validate();
    ["category", "description", "position", "occurred", "parties", "result", "result-photo"].forEach((key) =>
      this.clearError(key),
    );
    if (errors.length) {
      errors.forEach(([key, message]) => this.showError(key, message));
      $("report-error").textContent = t("fix");
      $("report-error").hidden = false;
      const first = $(errors[0][0] === "category" ? "category-choose" : errors[0][0] === "position" ? "position-pin" : errors[0][0]);
      if (first) first.focus();
      return;
    }
    $("report-error").hidden = true;

    const id = newId();
    const where = this.position.value();
    const settled = $("settled").checked;
    const occurred = $("occurred").value ? new Date($("occurred").value) : new Date();
    const photos = [
      ...this.evidence.map((photo) => ({ ...photo, purpose: "evidence" })),
      ...(settled ? this.results.map((photo) => ({ ...photo, purpose: "result" })) : []),
    ].filter((photo, position, all) => all.findIndex((other) => other.sha256 === photo.sha256) === position);
    const payload = {
      id,
      source: "app",
      category: this.category.code,
      description: $("description").value.trim(),
      lon: Math.round(where.lon * 1e7) / 1e7,
      lat: Math.round(where.lat * 1e7) / 1e7,
      accuracy_m: where.accuracy_m,
      occurred_at: (occurred.getTime() > Date.now() ? new Date() : occurred).toISOString(),
      resolved_on_site: settled,
      photos: photos.map((photo) => ({ sha256: photo.sha256, purpose: photo.purpose })),
    };
    if (settled) payload.on_site_result = $("result").value.trim();
    const parties = this.parties();
    if (parties.length) payload.parties = parties;
    const contactName = $("contact-name").value.trim();
    const contactPhone = $("contact-phone").value.trim();
    if (contactName) payload.contact_name = contactName;
    if (contactPhone) payload.contact_phone = contactPhone;

    const item = {
      id,
      user: auth.username,
      createdAt: new Date().toISOString(),
      payload,
      category: { code: this.category.code, name: this.category.name, kind: this.category.kind },
      state: WAITING,
      attempts: 0,
      nextAt: 0,
      photos: photos.map((photo) => ({
        key: `${id}/${photo.sha256}`,
        sha256: photo.sha256,
        purpose: photo.purpose,
        state: WAITING,
        attempts: 0,
        nextAt: 0,
      })),
    };
    const records = photos.map((photo) => ({ key: `${id}/${photo.sha256}`, reportId: id, sha256: photo.sha256, blob: photo.blob }));
    const replaces = this.replaces;
    await this.app.outbox.add(item, records);
    if (replaces) await this.app.outbox.discard(replaces);
    await remember(auth.username, this.category.code);
    this.reset();
    this.app.saved(item);
  }

  /** Load a refused report to correct it; saving makes a new report (a new id). */
  load(item, photoRecords) {
    this.reset();
    this.replaces = item.id;
    const payload = item.payload;
    this.setCategory(this.byCode.get(payload.category) || { ...item.category, path: [] });
    $("description").value = payload.description || "";
    this.position.setPin(payload.lon, payload.lat);
    (payload.parties || []).forEach((party) => this.addParty(party));
    $("settled").checked = Boolean(payload.resolved_on_site);
    $("result").value = payload.on_site_result || "";
    $("contact-name").value = payload.contact_name || "";
    $("contact-phone").value = payload.contact_phone || "";
    $("occurred").value = localDateTimeValue(new Date(payload.occurred_at));
    const bySha = new Map(photoRecords.map((record) => [record.sha256, record]));
    (payload.photos || []).forEach((ref) => {
      const record = bySha.get(ref.sha256);
      if (!record) return;
      const photo = { blob: record.blob, sha256: record.sha256, type: record.blob.type };
      (ref.purpose === "result" ? this.results : this.evidence).push(photo);
    });
    this.renderPhotos(this.evidence, "photo-list", "photos");
    this.renderPhotos(this.results, "result-photo-list", "result-photo");
    this.showSettled();
  }
}
