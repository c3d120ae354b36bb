/** @type {import('tailwindcss').Config} */
const defaults = require('tailwindcss/colors');

// Colour tokens: every palette the views use is a set of CSS variables, so
// one class (bg-white, text-slate-600) serves light and dark mode. Dark mode
// turns each scale around (50 ↔ 950 … 500 ↔ 400) and white into the dark
// surface, which keeps every light-mode contrast pair a contrast pair.
const palettes = ['slate', 'indigo', 'red', 'emerald', 'amber', 'sky', 'violet', 'rose'];
const shades = ['50', '100', '200', '300', '400', '500', '600', '700', '800', '900', '950'];
const darkShade = { 50: '950', 100: '900', 200: '800', 300: '700', 400: '500', 500: '400', 600: '300', 700: '200', 800: '100', 900: '50', 950: '50' };

const rgb = (hex) => {
  const h = hex.replace('#', '');
  const full = h.length === 3 ? h.split('').map((c) => c + c).join('') : h;
  return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)).join(' ');
};

function variables(dark) {
  const vars = { '--c-white': dark ? rgb(defaults.slate['900']) : '255 255 255' };
  for (const p of palettes) {
    for (const s of shades) {
      vars[`--c-${p}-${s}`] = rgb(defaults[p][dark ? darkShade[s] : s]);
    }
  }
  return vars;
}

const colors = { transparent: 'transparent', current: 'currentColor', black: defaults.black, white: 'rgb(var(--c-white) / <alpha-value>)' };
for (const p of palettes) {
  colors[p] = Object.fromEntries(shades.map((s) => [s, `rgb(var(--c-${p}-${s}) / <alpha-value>)`]));
}

module.exports = {
  // Classes are found in the templ sources and in Go view helpers that
  // return class names (components/*.go, layout/*.go).
  content: ['./views/**/*.templ', './views/**/*.go', '!./views/**/*_templ.go', './static/src/**/*.js'],
  // Dark when the page says so (the member's choice, html.dark), or when
  // the system prefers it and the member has not chosen light (html.light).
  darkMode: 'class',
  theme: {
    colors,
  },
  plugins: [
    require('@tailwindcss/forms')({ strategy: 'base' }),
    function ({ addBase }) {
      addBase({
        ':root': { ...variables(false), 'color-scheme': 'light' },
        ':root.dark': { ...variables(true), 'color-scheme': 'dark' },
        '@media (prefers-color-scheme: dark)': {
          ':root:not(.light)': { ...variables(true), 'color-scheme': 'dark' },
        },
      });
    },
  ],
};
