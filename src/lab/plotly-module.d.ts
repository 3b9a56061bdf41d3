// plotly.js-basic-dist-min ships no types; the lab extension only passes it through to
// src/panels/shared.ts, which declares the part it uses.
declare module 'plotly.js-basic-dist-min' {
  const plotly: unknown;
  export default plotly;
}
