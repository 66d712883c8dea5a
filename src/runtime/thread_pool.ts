// Worker threads that run kernels on the one shared WebAssembly.Memory. A job is ordinary code
// written against `Kernels`; for a worker it runs against a recorder, and the recorded calls
// (export index + numeric arguments) go through a control block in shared memory, so dispatch and
// completion are an Atomics.notify each way and no message is posted per call. Workers only ever
// compute on pointers the calling thread allocated: one allocator, no locks.
import type { Kernels } from "./wasm.js";

/** Int32 slots at the start of each worker's control block. */
const GEN = 0; // bumped by the caller to start a job
const DONE = 1; // set to the job's generation by the worker when it is finished
const FAILED = 2; // 1 when the job threw; the message follows as UTF-8
const MESSAGE_BYTES = 3; // its length
const GATE = 4; // set to the job's generation by the caller once what the job reads after a gate is in memory
/** The call index that stands for a gate in a recorded job. */
const GATE_CALL = -1;
const HEADER_BYTES = 64;
/** Bytes of each worker's control block: the header, then the recorded calls as float64s. */
export const CONTROL_BYTES = 256 * 1024;
/**
 * Float64 slots one worker job can record: a kernel call takes 2 + its argument count. A caller
 * with many calls per share (a batched GEMM of small matrices) runs them in rounds that fit.
 */
export const CALL_SLOTS = (CONTROL_BYTES - HEADER_BYTES) / 8 - 1;

/** A share of work: kernel calls against `k`, with `gate()` where later calls need data the caller is still writing. */
export type Job = (k: Kernels, gate: () => void) => void;

const noGate = (): void => {};

interface WorkerHandle {
  terminate(): unknown;
}

export class ThreadPool {
  private generation = 0;

  private readonly recorder: Kernels;
  private readonly recordGate = () => this.append(GATE_CALL, []);
  private calls = new Float64Array(0);
  private length = 0;

  private constructor(
    private readonly memory: WebAssembly.Memory,
    names: readonly string[],
    private readonly controls: readonly number[],
    private readonly workers: readonly WorkerHandle[],
  ) {
    const recorder: Record<string, (...args: number[]) => void> = {};
    names.forEach((name, index) => {
      recorder[name] = (...args) => this.append(index, args);
    });
    this.recorder = recorder as unknown as Kernels;
  }

  /** Threads that share the work: the calling one and its workers. */
  get size(): number {
    return this.workers.length + 1;
  }

  /**
   * Starts `threads - 1` workers, each instantiating `module` on `memory` with its control block
   * at `controlBase + i * CONTROL_BYTES`; resolves once all are ready.
   */
  static async start(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    names: readonly string[],
    threads: number,
    controlBase: number,
  ): Promise<ThreadPool> {
    const controls = Array.from({ length: threads - 1 }, (_, i) => controlBase + i * CONTROL_BYTES);
    new Uint8Array(memory.buffer, controlBase, controls.length * CONTROL_BYTES).fill(0);
    const workers: WorkerHandle[] = [];
    try {
      for (const control of controls) workers.push(await spawn({ module, memory, control, names }));
    } catch (e) {
      for (const w of workers) w.terminate();
      throw e;
    }
    return new ThreadPool(memory, names, controls, workers);
  }

  /**
   * Runs jobs[0] on this thread and jobs[i] on worker i-1 at the same time; returns when all have
   * finished. A job for a worker may only call kernels (their return values are dropped). A worker
   * job that calls its `gate` argument waits there until `between` -- run here after the workers
   * have started, before jobs[0] -- has returned: the workers start on data already in memory while
   * this thread writes what they need later. On this thread `gate` does nothing.
   */
  run(jobs: readonly Job[], here: Kernels, between?: () => void): void {
    if (jobs.length > this.size)
      throw new Error(`zeroconv internal error: ${jobs.length} jobs for ${this.size} threads`);
    const gen = ++this.generation | 0;
    const started: Int32Array[] = [];
    for (let i = 1; i < jobs.length; i++) {
      const control = this.controls[i - 1];
      this.record(control, jobs[i]);
      const i32 = new Int32Array(this.memory.buffer, control, HEADER_BYTES / 4);
      Atomics.store(i32, GEN, gen);
      Atomics.notify(i32, GEN);
      started.push(i32);
    }
    let failure: unknown = null;
    try {
      between?.();
    } catch (e) {
      failure = e;
    }
    for (const i32 of started) {
      Atomics.store(i32, GATE, gen);
      Atomics.notify(i32, GATE);
    }
    if (failure === null) {
      try {
        jobs[0](here, noGate);
      } catch (e) {
        failure = e;
      }
    }
    for (const i32 of started) {
      const message = this.wait(i32, gen);
      if (message !== null && failure === null) failure = new Error(`zeroconv worker failed: ${message}`);
    }
    if (failure !== null) throw failure;
  }

  terminate(): void {
    for (const w of this.workers) w.terminate();
  }

  /**
   * Runs `job` against the recorder, whose methods (one per kernel, made once) append
   * [kernel index, argument count, ...arguments] straight into the control block's float64s.
   */
  private record(control: number, job: Job): void {
    this.calls = new Float64Array(this.memory.buffer, control + HEADER_BYTES + 8, CALL_SLOTS);
    this.length = 0;
    job(this.recorder, this.recordGate);
    new Float64Array(this.memory.buffer, control + HEADER_BYTES, 1)[0] = this.length;
  }

  private append(index: number, args: number[]): void {
    const calls = this.calls,
      at = this.length;
    if (at + 2 + args.length > calls.length)
      throw new Error(`zeroconv internal error: a worker job overflows its ${CONTROL_BYTES}-byte control block`);
    calls[at] = index;
    calls[at + 1] = args.length;
    for (let i = 0; i < args.length; i++) calls[at + 2 + i] = args[i];
    this.length = at + 2 + args.length;
  }

  /** Blocks until the worker whose control header is `i32` has finished generation `gen`; its error message, or null. */
  private wait(i32: Int32Array, gen: number): string | null {
    for (;;) {
      const done = Atomics.load(i32, DONE);
      if (done === gen) break;
      if (canWait) Atomics.wait(i32, DONE, done, 1000);
    }
    if (Atomics.load(i32, FAILED) === 0) return null;
    const bytes = new Uint8Array(this.memory.buffer, i32.byteOffset + HEADER_BYTES, Atomics.load(i32, MESSAGE_BYTES));
    Atomics.store(i32, FAILED, 0);
    return new TextDecoder().decode(bytes.slice());
  }
}

const canWait = (() => {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
})();

interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  names: readonly string[];
}

/**
 * The whole worker, shipped as source so that it needs no file of its own to locate (Node's eval
 * workers and a browser's Blob URL both take source text). It must not refer to anything outside
 * itself.
 */
function workerMain(post: (m: unknown) => void, init: WorkerInit): void {
  const { module, memory, control, names } = init;
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<
    string,
    (...a: number[]) => unknown
  >;
  const fns = names.map((n) => exports[n]);
  post("ready");
  let seen = 0;
  for (;;) {
    const header = new Int32Array(memory.buffer, control, 16);
    Atomics.wait(header, 0, seen);
    seen = Atomics.load(header, 0);
    try {
      const f64 = new Float64Array(memory.buffer, control + 64);
      const end = 1 + f64[0];
      for (let p = 1; p < end; ) {
        if (f64[p] === -1) {
          // GATE_CALL: wait until the caller sets GATE (slot 4) to this job's generation
          for (let g = Atomics.load(header, 4); g !== seen; g = Atomics.load(header, 4)) Atomics.wait(header, 4, g);
          p += 2;
          continue;
        }
        const fn = fns[f64[p]],
          argc = f64[p + 1];
        const args: number[] = [];
        for (let a = 0; a < argc; a++) args.push(f64[p + 2 + a]);
        fn(...args);
        p += 2 + argc;
      }
    } catch (e) {
      const text = new TextEncoder().encode(String(e instanceof Error ? e.message : e)).slice(0, 4096);
      new Uint8Array(memory.buffer, control + 64, text.length).set(text);
      Atomics.store(header, 3, text.length);
      Atomics.store(header, 2, 1);
    }
    Atomics.store(header, 1, seen);
    Atomics.notify(header, 1);
  }
}

async function spawn(init: WorkerInit): Promise<WorkerHandle> {
  const nodeThreads = typeof process === "object" ? process.getBuiltinModule?.("node:worker_threads") : undefined;
  if (nodeThreads !== undefined) {
    // getBuiltinModule, not require: the eval'd source is an ES module when Node runs with --input-type=module.
    const source = `const { parentPort } = process.getBuiltinModule("node:worker_threads");
parentPort.once("message", (init) => (${workerMain.toString()})((m) => parentPort.postMessage(m), init));`;
    const worker = new nodeThreads.Worker(source, { eval: true });
    worker.unref(); // an idle pool must not keep Node running
    await handshake(
      (ok, fail) => {
        worker.once("message", ok);
        worker.once("error", fail);
      },
      () => worker.postMessage(init),
    );
    return worker;
  }
  const source = `self.addEventListener("message", (e) => (${workerMain.toString()})((m) => self.postMessage(m), e.data), { once: true });`;
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const worker = new Worker(url);
  try {
    await handshake(
      (ok, fail) => {
        worker.addEventListener("message", ok, { once: true });
        worker.addEventListener("error", (e) => fail(new Error(e.message)), { once: true });
      },
      () => worker.postMessage(init),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
  return worker;
}

function handshake(listen: (ok: () => void, fail: (e: unknown) => void) => void, send: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    listen(resolve, (e) =>
      reject(new Error(`zeroconv: a kernel worker failed to start: ${e instanceof Error ? e.message : String(e)}`)),
    );
    send();
  });
}
