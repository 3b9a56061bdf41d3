// The DOM helpers moved below render and panels (src/dom.ts); kept here so render's modules
// and in-flight code importing './svg.ts' keep working.
export * from '../dom.ts';
