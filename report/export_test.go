package report

// MeanCurve exposes meanCurve to the external tests.
var MeanCurve = meanCurve
