// SANDBOX stand-in for Plaid Link (https://cdn.plaid.com/link/v2/stable/link-initialize.js),
// served by the sandbox's fake Plaid. It offers what the bank page uses: Plaid.create({token,
// onSuccess, onExit}) and handler.open(). The customer picks a sandbox institution and the
// account holder's name; the sandbox returns a public token, which the page hands to the shop.
(function () {
  "use strict";
  var script = document.currentScript;
  var API = script ? new URL(script.src).origin : "";
  var INSTITUTIONS = [["ins_109512", "Houndstooth Bank"], ["ins_109508", "First Platypus Bank"],
                      ["ins_109509", "First Gingham Credit Union"]];

  function create(options) {
    var dialog = null;
    function close() { if (dialog) { dialog.remove(); dialog = null; } }
    function open() {
      close();
      dialog = document.createElement("div");
      dialog.className = "sandbox-link";
      dialog.setAttribute("data-sandbox", "plaid");
      dialog.setAttribute("role", "dialog");
      dialog.style.cssText = "position:fixed;inset:10% 25%;background:#fff;border:2px solid #d97706;" +
        "padding:1.5rem;z-index:1000;box-shadow:0 4px 20px #0004;overflow:auto";
      var title = document.createElement("h2");
      title.textContent = "SANDBOX bank login (no real bank is contacted)";
      dialog.appendChild(title);
      var select = document.createElement("select");
      select.id = "sandbox-institution";
      INSTITUTIONS.forEach(function (i) {
        var option = document.createElement("option");
        option.value = i[0];
        option.textContent = i[1];
        select.appendChild(option);
      });
      var name = document.createElement("input");
      name.id = "sandbox-owner-name";
      name.placeholder = "Account holder's name, as on your profile";
      var message = document.createElement("p");
      message.className = "errorlist";
      var go = document.createElement("button");
      go.type = "button";
      go.className = "primary";
      go.textContent = "Log in and share accounts";
      var cancel = document.createElement("button");
      cancel.type = "button";
      cancel.textContent = "Cancel";
      [["Institution", select], ["Account holder", name]].forEach(function (pair) {
        var label = document.createElement("label");
        label.textContent = pair[0];
        dialog.appendChild(label);
        dialog.appendChild(pair[1]);
      });
      dialog.appendChild(message);
      dialog.appendChild(go);
      dialog.appendChild(cancel);
      document.body.appendChild(dialog);
      cancel.addEventListener("click", function () { close(); if (options.onExit) options.onExit(null, {}); });
      go.addEventListener("click", function () {
        // text/plain keeps this a "simple" cross-origin request (no preflight), as Link's are.
        fetch(API + "/sandbox/link/complete", {
          method: "POST", headers: { "Content-Type": "text/plain" },
          body: JSON.stringify({ link_token: options.token, institution_id: select.value, owner_name: name.value })
        }).then(function (r) { return r.json().then(function (body) { return [r.ok, body]; }); })
          .then(function (result) {
            if (!result[0]) { message.textContent = result[1].error_message || "Sandbox login failed."; return; }
            close();
            options.onSuccess(result[1].public_token, result[1].metadata);
          });
      });
    }
    return { open: open, exit: close, destroy: close };
  }

  window.Plaid = { create: create };
})();
