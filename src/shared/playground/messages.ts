// The playground panel's contract: what the host posts to the page and what the page sends back. Types only.
import type { MetricRecord, StaticSpectra } from '../records';
import type { PlaygroundControls } from './controls';
import type { CurvePoint } from './model';

export const PLAYGROUND_VIEW_TYPE = 'precondLab.playground';

/** Where the run on screen stands. */
export type PlaygroundPhase = 'starting' | 'training' | 'done' | 'diverged' | 'failed';

export type ToPlaygroundView =
  /** the whole picture: sent when the page loads (also after hide/show and reload) and when the controls change */
  | {
      type: 'state';
      controls: PlaygroundControls;
      backend?: string;
      kernel?: string;
      defaultSteps: number;
      /** custom spectra train but cannot be kept (the store's configs know the two cases only) */
      keepable: boolean;
    }
  /** a run begins (or a cached one is shown at once: `cached`); the charts clear */
  | {
      type: 'begin';
      id: number;
      controls: PlaygroundControls;
      /** lambda_i and lambda_i^(p+1), known before the data are drawn */
      lambda: number[];
      weights: number[];
      teacher: number;
      steps: number;
      noiseFloor: number;
      cached: boolean;
    }
  | { type: 'spectra'; id: number; spectra: StaticSpectra }
  | { type: 'records'; id: number; records: MetricRecord[] }
  | { type: 'progress'; id: number; step: number; steps: number }
  | {
      type: 'end';
      id: number;
      phase: PlaygroundPhase;
      final: Record<string, number>;
      reason?: string;
      seconds?: number;
    }
  /** the traced p curve of the current setting (everything but p) */
  | { type: 'curve'; points: CurvePoint[]; best?: CurvePoint }
  | { type: 'problems'; problems: string[] }
  | { type: 'kept'; text: string; ok: boolean };

export type FromPlaygroundView =
  | { type: 'ready' }
  | { type: 'controls'; controls: unknown }
  | { type: 'keep' }
  | { type: 'clearCurve' };
