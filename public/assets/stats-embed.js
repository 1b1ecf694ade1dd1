// The Stats page's Metabase guest embed (src/shop-app/pages/stats.tsx). Metabase's embed.js reads
// window.metabaseConfig; it is set here from data attributes so the page needs no inline script
// (the CSP has no 'unsafe-inline'). Loaded with defer before embed.js, so this runs first.
const config = document.getElementById('metabase-config');
if (config) {
  window.metabaseConfig = {
    isGuest: true,
    instanceUrl: config.dataset.instanceUrl,
    // The embed POSTs {entityType, entityId, customContext} here with our cookies for a fresh token.
    guestEmbedProviderUri: config.dataset.providerUri,
  };
}
