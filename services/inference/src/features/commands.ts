// What the gRPC and HTTP adapters call: the operator use cases (prompting.ts), Predict
// (predict.ts), the drift report (drift.ts) and the shadow comparisons (shadow-view.ts), as one
// object app.ts assembles.
import type { DriftReporting } from './drift.ts';
import type { Predicting } from './predict.ts';
import type { Prompting } from './prompting.ts';
import type { ShadowViewing } from './shadow-view.ts';
import type { Shelving } from './shelving.ts';

export type Commands = Prompting & Predicting & DriftReporting & ShadowViewing & Shelving;
export type { DecideInput, OutcomeInput, ProblemInput, RecommendationDto } from './prompting.ts';
