// The home page's editor: YASGUI on this server's /sparql, one tab per example query.
// The example links also work without this script (they reload the page with that query).
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("wcokg-ui").textContent);
  const byKey = new Map(config.examples.map((example) => [example.key, example]));
  const chosen = byKey.get(config.chosen);

  const yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    // Only this server: the stock catalogue lists public endpoints elsewhere.
    endpointCatalogueOptions: { getData: () => [{ endpoint: config.endpoint }], keys: [] },
    // The page's own examples every time, not tabs kept from an earlier visit.
    persistenceId: null,
    tabName: chosen.label,
    yasqe: {
      value: chosen.text,
      // The class and property completers ask a remote vocabulary service; these two stay local.
      autocompleters: ["prefixes", "variables"],
    },
    autofocus: false,
  });
  // The editor is up: the plain form below it is no longer needed.
  document.querySelector("form.plain-query").hidden = true;

  function open(example) {
    const tab = yasgui.tabNameTaken(example.label);
    if (tab) {
      yasgui.selectTabId(tab.getId());
    } else {
      yasgui.addTab(true, { name: example.label, yasqe: { value: example.text } });
    }
  }

  for (const link of document.querySelectorAll("a[data-example]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      for (const other of document.querySelectorAll("a[data-example]")) other.removeAttribute("aria-current");
      link.setAttribute("aria-current", "true");
      open(byKey.get(link.dataset.example));
    });
  }
})();
