// The upload page's in-browser reader: hands the chosen files to the worker (extract-worker.js),
// shows its progress, sends the compact upload it returns, and shows the server's answer. Every
// sentence comes from the page (archive-strings), rendered by Django in the person's language.
// Without the browser features it needs, the section stays hidden and the form does the work.

const root = document.getElementById("browser-upload");
const supported =
  root && window.Worker && window.DecompressionStream && window.CompressionStream && window.BigUint64Array;

if (supported) setUp();

function setUp() {
  const strings = JSON.parse(document.getElementById("archive-strings").textContent);
  const dropzone = document.getElementById("dropzone");
  const picker = document.getElementById("browser-files");
  const box = document.getElementById("progress-box");
  const label = document.getElementById("progress-label");
  const bar = document.getElementById("progress-bar");
  const cancel = document.getElementById("cancel");
  const errorBox = document.getElementById("browser-error");
  const doneBox = document.getElementById("browser-done");
  const csrf = document.querySelector("#server-upload input[name=csrfmiddlewaretoken]").value;
  let worker = null;
  let request = null;
  root.hidden = false;

  function show(box_, text) {
    box_.querySelector("p").textContent = text;
    box_.hidden = false;
  }

  function phase(name, done, total) {
    box.hidden = false;
    label.textContent = strings.phases[name];
    if (total) bar.value = Math.min(done / total, 1);
    else bar.removeAttribute("value"); // indeterminate while the server stores
    bar.dataset.phase = name;
    cancel.disabled = name === "storing"; // the server is committing: too late to take back
  }

  function finish() {
    if (worker) worker.terminate();
    worker = null;
    request = null;
    box.hidden = true;
    dropzone.hidden = false;
  }

  function fail(text) {
    finish();
    show(errorBox, text);
  }

  function errorText(code, file) {
    if (file === strings.loose_files) return strings.loose_errors[code] || strings.fallback_error;
    const template = strings.errors[code] || strings.fallback_error;
    const name = (file || "").split("/").pop();
    return template.replace("%(file)s", name);
  }

  function start(files) {
    if (!files.length || worker) return;
    errorBox.hidden = true;
    doneBox.hidden = true;
    dropzone.hidden = true;
    phase("reading", 0, 1);
    worker = new Worker(root.dataset.worker, { type: "module" });
    worker.onerror = () => fail(strings.fallback_error);
    worker.onmessage = (event) => {
      const message = event.data;
      if (message.type === "progress") phase(message.phase, message.done, message.total);
      else if (message.type === "error") {
        if (message.code === "internal") console.error(message.detail);
        fail(errorText(message.code, message.file));
      } else if (message.type === "done") {
        worker.terminate();
        worker = null;
        root.dataset.timings = JSON.stringify({ ...message.timings, bytes: message.blob.size });
        send(message.blob);
      }
    };
    // Block and mute ids leave the device only when the person ticked the box.
    const safety = Boolean(document.getElementById("honour-blocks")?.checked);
    worker.postMessage({ files: [...files], verifiedXId: root.dataset.verifiedXId || null, safety });
  }

  function send(blob) {
    phase("sending", 0, blob.size);
    request = new XMLHttpRequest();
    request.open("POST", root.dataset.endpoint);
    request.setRequestHeader("Content-Type", "application/octet-stream");
    request.setRequestHeader("X-CSRFToken", csrf);
    request.responseType = "json";
    request.upload.onprogress = (event) => phase("sending", event.loaded, blob.size);
    request.upload.onload = () => phase("storing", 0, 0);
    request.onerror = () => fail(strings.network_error);
    request.onload = () => {
      const answer = request.response;
      if (answer && answer.ok) {
        finish();
        show(doneBox, answer.message);
        root.dataset.stored = `${answer.followers},${answer.following}`;
      } else {
        fail(answer && answer.message ? answer.message : strings.network_error);
      }
    };
    request.send(blob);
  }

  cancel.addEventListener("click", () => {
    if (request) request.abort();
    fail(strings.cancelled);
  });
  picker.addEventListener("change", () => {
    start(picker.files);
    picker.value = "";
  });
  dropzone.addEventListener("dragover", (event) => {
    event.preventDefault();
    dropzone.classList.add("over");
  });
  dropzone.addEventListener("dragleave", () => dropzone.classList.remove("over"));
  dropzone.addEventListener("drop", (event) => {
    event.preventDefault();
    dropzone.classList.remove("over");
    start(event.dataTransfer.files);
  });
}
