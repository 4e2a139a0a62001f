/**
 * The live loss and accuracy charts (chart.js), with animation off: points arrive every step.
 */
import {
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";

Chart.register(
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  CategoryScale,
  Legend,
  Tooltip,
);

function lineChart(
  canvas: HTMLCanvasElement,
  label: string,
  color: string,
  yMax?: number,
): Chart<"line", { x: number; y: number }[]> {
  return new Chart(canvas, {
    type: "line",
    data: {
      datasets: [
        {
          label,
          data: [],
          borderColor: color,
          backgroundColor: color,
          pointRadius: 0,
          borderWidth: 1.5,
        },
      ],
    },
    options: {
      animation: false,
      responsive: false,
      parsing: false,
      scales: {
        x: { type: "linear", title: { display: true, text: "step" } },
        y: { type: "linear", min: 0, ...(yMax === undefined ? {} : { max: yMax }) },
      },
    },
  });
}

/** The two charts; `reset()` empties them (a fresh model). */
export class TrainingCharts {
  private readonly loss: Chart<"line", { x: number; y: number }[]>;
  private readonly accuracy: Chart<"line", { x: number; y: number }[]>;

  constructor(lossCanvas: HTMLCanvasElement, accuracyCanvas: HTMLCanvasElement, evalCount: number) {
    this.loss = lineChart(lossCanvas, "training loss", "#d9480f");
    this.accuracy = lineChart(
      accuracyCanvas,
      `accuracy on ${evalCount} test digits (%)`,
      "#1971c2",
      100,
    );
  }

  addLoss(step: number, loss: number): void {
    this.loss.data.datasets[0]!.data.push({ x: step, y: loss });
    this.loss.update("none");
  }

  addAccuracy(step: number, accuracy: number): void {
    this.accuracy.data.datasets[0]!.data.push({ x: step, y: 100 * accuracy });
    this.accuracy.update("none");
  }

  reset(): void {
    for (const c of [this.loss, this.accuracy]) {
      c.data.datasets[0]!.data = [];
      c.update("none");
    }
  }
}
