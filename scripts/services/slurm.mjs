// @ts-check
// A throwaway single-node Slurm cluster for tests and benchmarks (Debian's slurmctld, slurmd, slurm-client and
// munge, started by hand: no systemd). Everything lives in a temp folder: munged with its own key (owned by
// munge, mode 0400) on its own socket (folder mode 755, passed with AuthInfo=socket=...), slurmctld and slurmd on
// free ports with `-f CONF` (slurmd as `-N localhost`), cgroup-free (proctrack/linuxproc, task/none), no
// accounting, quick scheduling (bf_interval=1) and quick node return (ReturnToService=2). Daemons run in the
// foreground (-D) as our children and are stopped by PID; callers run `stop()` in a `finally`, and a process exit
// kills them too. `killNode()` kills slurmd and every task process it started (a node failure); `startNode()` starts
// slurmd again. Clients need `env` (SLURM_CONF).
//
// As a command: `node scripts/services/slurm.mjs` starts one, prints `SLURM_CONF=...`, and keeps it until Ctrl-C.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './redis.mjs';

const BINARIES = ['/usr/sbin/munged', '/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/bin/sbatch', '/usr/bin/squeue'];

/** Why a Slurm cluster cannot start here, or undefined when it can. */
export function slurmProblem() {
  const missing = BINARIES.filter((b) => !fs.existsSync(b));
  if (missing.length)
    return `not installed: ${missing.join(', ')} (Debian: apt-get install slurmctld slurmd slurm-client munge)`;
  if (process.getuid?.() !== 0) return 'the test cluster runs its daemons as root (slurmd needs it)';
  if (spawnSync('id', ['munge']).status !== 0) return 'the munge user does not exist (reinstall the munge package)';
  return undefined;
}

/** Resolves once `check()` is true, rejects after `ms` with `what`. */
async function waitFor(/** @type {() => boolean} */ check, /** @type {string} */ what, ms = 20_000) {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * @typedef {{ dir: string, conf: string, env: NodeJS.ProcessEnv, log: () => string,
 *   killNode: () => void, startNode: () => Promise<void>, nodeState: () => string, stop: () => void }} SlurmCluster
 */

/**
 * Starts munged, slurmctld and slurmd. Throws with a clear message when Slurm is missing or will not start.
 * @param {{ cpus?: number }} [opts]
 * @returns {Promise<SlurmCluster>}
 */
export async function startSlurm(opts = {}) {
  const problem = slurmProblem();
  if (problem) throw new Error(`Slurm test cluster: ${problem}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'precond-slurm-'));
  fs.chmodSync(dir, 0o755);
  /** @type {import('node:child_process').ChildProcess[]} */
  const children = [];
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let slurmd;
  const stop = () => {
    for (const c of [slurmd, ...children]) if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    killTasks(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  try {
    // munge: its own key and socket, run as the munge user (it refuses a key others can read)
    const mungeDir = path.join(dir, 'munge');
    fs.mkdirSync(mungeDir, { mode: 0o755 });
    const key = path.join(mungeDir, 'munge.key');
    fs.writeFileSync(key, Buffer.from(Array.from({ length: 1024 }, () => Math.floor(Math.random() * 256))));
    spawnSync('chown', ['-R', 'munge:munge', mungeDir]);
    fs.chmodSync(key, 0o400);
    fs.chmodSync(mungeDir, 0o755);
    const socket = path.join(mungeDir, 'munge.socket');
    const id = (/** @type {string} */ flag) => Number(spawnSync('id', [flag, 'munge'], { encoding: 'utf8' }).stdout);
    const munged = spawn(
      '/usr/sbin/munged',
      [
        '--foreground',
        `--key-file=${key}`,
        `--socket=${socket}`,
        `--pid-file=${path.join(mungeDir, 'munged.pid')}`,
        `--log-file=${path.join(mungeDir, 'munged.log')}`,
        `--seed-file=${path.join(mungeDir, 'munged.seed')}`,
      ],
      { stdio: 'ignore', uid: id('-u'), gid: id('-g') },
    );
    children.push(munged);
    await waitFor(() => fs.existsSync(socket), 'munged did not open its socket');

    const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
    const cpus = opts.cpus ?? Math.max(2, os.cpus().length);
    for (const d of ['state', 'spool']) fs.mkdirSync(path.join(dir, d));
    const conf = path.join(dir, 'slurm.conf');
    fs.writeFileSync(
      conf,
      [
        'ClusterName=precondlab',
        'SlurmctldHost=localhost',
        `SlurmctldPort=${ctldPort}`,
        `SlurmdPort=${slurmdPort}`,
        'AuthType=auth/munge',
        'CredType=cred/munge',
        `AuthInfo=socket=${socket},cred_expire=10`,
        'SlurmUser=root',
        'SlurmdUser=root',
        `StateSaveLocation=${path.join(dir, 'state')}`,
        `SlurmdSpoolDir=${path.join(dir, 'spool')}`,
        `SlurmctldPidFile=${path.join(dir, 'slurmctld.pid')}`,
        `SlurmdPidFile=${path.join(dir, 'slurmd.pid')}`,
        `SlurmctldLogFile=${path.join(dir, 'slurmctld.log')}`,
        `SlurmdLogFile=${path.join(dir, 'slurmd.log')}`,
        'ProctrackType=proctrack/linuxproc',
        'TaskPlugin=task/none',
        'JobAcctGatherType=jobacct_gather/none',
        'AccountingStorageType=accounting_storage/none',
        'JobCompType=jobcomp/none',
        'SchedulerType=sched/backfill',
        'SchedulerParameters=bf_interval=1',
        'SelectType=select/cons_tres',
        'SelectTypeParameters=CR_CPU',
        'ReturnToService=2',
        'SlurmdTimeout=10',
        'KillWait=5',
        'MinJobAge=600',
        'MpiDefault=none',
        `NodeName=localhost CPUs=${cpus} State=UNKNOWN`,
        'PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP',
        '',
      ].join('\n'),
    );
    const env = { ...process.env, SLURM_CONF: conf };
    const ctld = spawn('/usr/sbin/slurmctld', ['-D', '-i', '-f', conf], { stdio: 'ignore', env });
    children.push(ctld);
    await waitFor(
      () => spawnSync('scontrol', ['ping'], { env, encoding: 'utf8' }).stdout.includes('UP'),
      'slurmctld did not answer',
    );
    const startNode = async () => {
      slurmd = spawn('/usr/sbin/slurmd', ['-D', '-f', conf, '-N', 'localhost'], { stdio: 'ignore', env });
      await waitFor(() => /^(idle|mix|alloc)/.test(nodeState()), 'slurmd did not register', 60_000);
    };
    const nodeState = () =>
      spawnSync('sinfo', ['-h', '-N', '-o', '%T'], { env, encoding: 'utf8' }).stdout.trim().toLowerCase();
    await startNode();
    return {
      dir,
      conf,
      env,
      log: () =>
        ['slurmctld.log', 'slurmd.log']
          .map((f) => {
            try {
              return `--- ${f}\n` + fs.readFileSync(path.join(dir, f), 'utf8').slice(-4000);
            } catch {
              return '';
            }
          })
          .join('\n'),
      killNode: () => {
        slurmd?.kill('SIGKILL');
        killTasks(dir);
      },
      startNode,
      nodeState,
      stop,
    };
  } catch (e) {
    const logs = ['slurmctld.log', 'slurmd.log', 'munge/munged.log']
      .map((f) => {
        try {
          return fs.readFileSync(path.join(dir, f), 'utf8').trim().split('\n').slice(-5).join('\n');
        } catch {
          return '';
        }
      })
      .filter(Boolean)
      .join('\n');
    stop();
    throw new Error(`${e instanceof Error ? e.message : String(e)}${logs ? `\n${logs}` : ''}`);
  }
}

/** Kills every process slurmstepd started for this cluster's jobs (their parent chain leads to a slurmstepd whose
 *  command line names our spool), and the slurmstepds themselves: what a node failure takes with it. */
function killTasks(/** @type {string} */ dir) {
  const r = spawnSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' });
  /** @type {Map<number, { ppid: number, args: string }>} */
  const procs = new Map();
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (m) procs.set(Number(m[1]), { ppid: Number(m[2]), args: m[3] });
  }
  const steps = [...procs].filter(([, p]) => p.args.startsWith('slurmstepd')).map(([pid]) => pid);
  // slurmstepd's command line does not name the cluster; this machine runs only test clusters we started
  const doomed = new Set(steps);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, p] of procs)
      if (!doomed.has(pid) && doomed.has(p.ppid)) {
        doomed.add(pid);
        grew = true;
      }
  }
  for (const pid of doomed)
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  void dir;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const cluster = await startSlurm();
  process.stdout.write(`SLURM_CONF=${cluster.conf}\n`);
  for (const signal of /** @type {NodeJS.Signals[]} */ (['SIGINT', 'SIGTERM', 'SIGHUP']))
    process.on(signal, () => {
      cluster.stop();
      process.exit(0);
    });
  setInterval(() => undefined, 1 << 30);
}
