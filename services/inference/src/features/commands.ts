// What the gRPC and HTTP adapters call: the operator use cases (prompting.ts), Predict
// (predict.ts) and the drift report (drift.ts), as one object app.ts assembles.
import type { DriftReporting } from './drift.ts';
import type { Predicting } from './predict.ts';
import type { Prompting } from './prompting.ts';

export type Commands = Prompting & Predicting & DriftReporting;
export type { DecideInput, OutcomeInput, ProblemInput, RecommendationDto } from './prompting.ts';
