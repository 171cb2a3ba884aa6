import cliProgress from 'cli-progress';

export interface EpochProgress {
  update(done: number, loss: number): void;
  stop(): void;
}

/** One bar per epoch on the given stream (stderr), with images/s, running loss and ETA. */
export function epochProgress(stream: NodeJS.WritableStream | undefined, epoch: number, epochs: number, totalImages: number): EpochProgress {
  if (!stream) return { update: () => undefined, stop: () => undefined };
  const started = performance.now();
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WriteStream,
      format: `epoch ${epoch + 1}/${epochs} |{bar}| {value}/{total} img | {ips} img/s | loss {loss} | ETA {eta_formatted}`,
      hideCursor: false,
      clearOnComplete: false,
      noTTYOutput: true,
      notTTYSchedule: 10_000,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(totalImages, 0, { ips: '-', loss: '-' });
  return {
    update(done, loss) {
      const seconds = (performance.now() - started) / 1000;
      bar.update(done, { ips: seconds > 0 ? (done / seconds).toFixed(1) : '-', loss: loss.toFixed(4) });
    },
    stop() {
      bar.stop();
    },
  };
}
