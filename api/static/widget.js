/* medcode chat widget: one script tag embeds it in any page.
 *   <script src="https://YOUR-MEDCODE-HOST/widget.js" data-title="Ask medcode"></script>
 * Optional attributes: data-api (base URL; default: where this script came from),
 * data-api-key (sent as X-API-Key), data-system (CPT, HCPCS, ICD-10-CM, ICD-10-PCS).
 * It talks to POST /v1/chat/completions with "stream": true and renders the answer's
 * text and its numbered sources. Text is inserted with textContent only (no HTML).
 */
(function () {
  "use strict";
  const script = document.currentScript;
  const attr = (name) => (script && script.getAttribute(name)) || "";
  let api = attr("data-api");
  if (!api && script && script.src) api = script.src.replace(/widget\.js(\?.*)?$/, "");
  if (api && !api.endsWith("/")) api += "/";
  const key = attr("data-api-key");
  const system = attr("data-system");
  const title = attr("data-title") || "Ask medcode";
  const history = [];

  const css = `
  .mc-launch{position:fixed;right:1.2rem;bottom:1.2rem;z-index:2147483000;border:0;border-radius:2rem;padding:.7rem 1.1rem;background:#1f5fa8;color:#fff;font:600 15px system-ui,sans-serif;cursor:pointer;box-shadow:0 2px 8px #0004}
  .mc-panel{position:fixed;right:1.2rem;bottom:4.6rem;z-index:2147483000;width:min(26rem,94vw);height:min(34rem,75vh);display:none;flex-direction:column;background:#fff;border:1px solid #ccd;border-radius:.6rem;box-shadow:0 4px 18px #0003;font:14px/1.4 system-ui,sans-serif;color:#1d2330}
  .mc-panel.mc-open{display:flex}
  .mc-head{padding:.6rem .8rem;font-weight:600;border-bottom:1px solid #e3e6ee}
  .mc-log{flex:1;overflow:auto;padding:.6rem .8rem}
  .mc-msg{margin:.4rem 0;white-space:pre-wrap;word-wrap:break-word}
  .mc-user{color:#1f5fa8;font-weight:600}
  .mc-form{display:flex;gap:.4rem;padding:.5rem;border-top:1px solid #e3e6ee}
  .mc-form input{flex:1;padding:.45rem;font-size:14px}
  .mc-form button{padding:.45rem .8rem}`;
  const style = document.createElement("style");
  style.textContent = css;
  document.head.appendChild(style);

  const launch = document.createElement("button");
  launch.className = "mc-launch";
  launch.type = "button";
  launch.textContent = title;
  const panel = document.createElement("div");
  panel.className = "mc-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", title);
  const head = document.createElement("div");
  head.className = "mc-head";
  head.textContent = title;
  const log = document.createElement("div");
  log.className = "mc-log";
  log.setAttribute("aria-live", "polite");
  const form = document.createElement("form");
  form.className = "mc-form";
  const input = document.createElement("input");
  input.placeholder = "Ask about a procedure or diagnosis";
  input.maxLength = 1000;
  input.setAttribute("aria-label", "question");
  const send = document.createElement("button");
  send.type = "submit";
  send.textContent = "Send";
  form.append(input, send);
  panel.append(head, log, form);
  document.body.append(panel, launch);
  launch.addEventListener("click", () => {
    panel.classList.toggle("mc-open");
    if (panel.classList.contains("mc-open")) input.focus();
  });

  function add(cls, text) {
    const div = document.createElement("div");
    div.className = "mc-msg " + cls;
    div.textContent = text;
    log.append(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const question = input.value.trim();
    if (!question) return;
    input.value = "";
    add("mc-user", question);
    history.push({ role: "user", content: question });
    const out = add("mc-answer", "…");
    const headers = { "Content-Type": "application/json" };
    if (key) headers["X-API-Key"] = key;
    const body = { model: "medcode", messages: history, stream: true };
    if (system) body.system = system;
    send.disabled = true;
    try {
      const r = await fetch(api + "v1/chat/completions", { method: "POST", headers, body: JSON.stringify(body) });
      if (!r.ok) {
        const err = await r.json().catch(() => ({}));
        out.textContent = (err.error && err.error.message) || "Error " + r.status;
        history.pop();
        return;
      }
      const reader = r.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "", text = "";
      out.textContent = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const event = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = event.replace(/^data: ?/, "");
          if (data === "[DONE]") continue;
          const chunk = JSON.parse(data);
          const delta = chunk.choices[0].delta.content;
          if (delta) { text += delta; out.textContent = text; log.scrollTop = log.scrollHeight; }
        }
      }
      history.push({ role: "assistant", content: text });
    } catch (e) {
      out.textContent = "The server did not answer.";
      history.pop();
    } finally {
      send.disabled = false;
    }
  });
})();
