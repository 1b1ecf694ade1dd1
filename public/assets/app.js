// Progressive enhancement only: the app works without this file. Adds "Copy" buttons next to
// secrets shown once and to ids (the value itself stays selectable by keyboard and mouse).
for (const button of document.querySelectorAll('button[data-copy]')) {
  const field = document.getElementById(button.dataset.copy);
  if (!field || !navigator.clipboard) continue;
  const isInput = field instanceof HTMLInputElement;
  // Only the visible word changes; a visually hidden rest of the name ("the payment id") stays.
  const word = button.firstChild;
  const label = word.textContent;
  button.hidden = false;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(isInput ? field.value : field.textContent);
      word.textContent = 'Copied';
    } catch {
      if (isInput) field.select();
      else getSelection()?.selectAllChildren(field);
      word.textContent = 'Press Ctrl+C';
    }
    setTimeout(() => (word.textContent = label), 2000);
  });
}
