/** @type {import('tailwindcss').Config} */
module.exports = {
  // Classes are found in the templ sources and in Go view helpers that
  // return class names (components/*.go, layout/*.go).
  content: ['./views/**/*.templ', './views/**/*.go', '!./views/**/*_templ.go', './static/src/**/*.js'],
  theme: {
    extend: {},
  },
  plugins: [require('@tailwindcss/forms')({ strategy: 'base' })],
};
