/* Filling translated strings. The server hands the scripts their words as Python %-format strings
 * ("%(count)s cases", made with gettext), and the scripts put the values in here, the one way. */

const PLACEHOLDER = /%(?:\((\w+)\)s|%)/g;

/**
 * fill("%(count)s cases", {count: 3}) → "3 cases". A placeholder with no value (missing, null or
 * undefined) stays as it is, so a forgotten value shows instead of vanishing; "%%" is a percent sign.
 */
export function fill(template, values) {
  return String(template).replace(PLACEHOLDER, (match, name) => {
    if (name === undefined) return "%";
    const value = values && Object.prototype.hasOwnProperty.call(values, name) ? values[name] : undefined;
    return value === undefined || value === null ? match : String(value);
  });
}
