// Small improvements where scripts run; every page works the same without them.

// A form marked `data-confirm` asks before it is sent (deleting a post).
document.addEventListener('submit', (event) => {
  const question = event.target.getAttribute('data-confirm');
  if (question && !window.confirm(question)) event.preventDefault();
});

// A text area with `data-limit` says how many characters are left, as the server counts them.
for (const area of document.querySelectorAll('textarea[data-limit]')) {
  const limit = Number(area.dataset.limit);
  const label = area.dataset.left || '{n}';
  const left = document.createElement('p');
  left.className = 'hint';
  left.setAttribute('aria-live', 'polite');
  area.after(left);
  const update = () => {
    const n = limit - Array.from(area.value).length;
    left.textContent = label.replace('{n}', String(n));
    left.classList.toggle('error-text', n < 0);
  };
  area.addEventListener('input', update);
  update();
}
