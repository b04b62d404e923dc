// Shared by the Node client tests: the instances run.sh started, and signing in on the
// server's own authorization page the way a person would (for clients that open a browser).

export const A = process.env.TSUNAGU_A_URL;
export const PASSWORD = 'correct horse battery';

const decode = (s) =>
  s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** Opens an authorization URL, signs in with the form and returns the code shown out of band. */
export async function signInForCode(authorizeUrl, login) {
  const page = await fetch(authorizeUrl);
  if (page.status !== 200) throw new Error(`authorization page: ${page.status}`);
  const html = await page.text();
  const form = new URLSearchParams();
  for (const [, name, value] of html.matchAll(/name="([a-z_]+)" value="([^"]*)"/g)) {
    form.set(name, decode(value));
  }
  form.set('username', login);
  form.set('password', PASSWORD);
  const shown = await fetch(new URL('/oauth/authorize', authorizeUrl), { method: 'POST', body: form });
  const text = await shown.text();
  const code = text.match(/<code id="code">([^<]+)<\/code>/);
  if (!code) throw new Error(`no code on the page: ${shown.status} ${text}`);
  return code[1];
}
