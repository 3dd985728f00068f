/**
 * Every --help text, in a module that imports nothing: `neuroloop --help` and a command's
 * --help load this and not the command (rxjs, pino, mqtt, zod stay unloaded).
 */

export const MAIN_HELP = `neuroloop: closed-loop neuromodulation controller

Usage: neuroloop <command> [options]     (neuroloop <command> --help for details)

Commands:
  run --config FILE       run a session (simulated or live), --record DIR to keep it
  replay FILE             the loop on a recorded EDF/BDF/CSV file (--report F.html)
  features INPUT          band power of a recorded signal (CSV, EDF, BDF), one row per window
  sim --duration S        write synthetic LFP/EEG as CSV
  config check FILE       validate a config file
  config schema           print the config's JSON Schema
  doctor [--config FILE]  check this machine for the configured hardware (I2C, GPIO)
  course --config FILE    the rig's course ledger as a table, and when the next session may start
  mark --mqtt URL --rig ID "TEXT" | --drug D --dose N --unit U --route R [--state S]
                          put a marker (free text, medication, a state such as MedOn) on a
                          running rig's timeline
  dashboard [--mqtt URL] [--listen HOST:PORT]
                          serve the live dashboard page for the rigs on a broker

Exit codes: 0 success, 2 bad input (config, file, arguments), 1 internal failure,
130 / 143 features or sim interrupted by SIGINT / SIGTERM (nothing written).
`;

export const RUN_HELP = `Usage: neuroloop run --config FILE [options]

Runs the closed loop: source -> filters -> band power -> biomarker -> policy -> safety
governor -> stimulator, driven by data time, with a one-line live view.
Ctrl+C (SIGINT) or SIGTERM ramps stimulation off through the governor, ends the trace,
writes the summary and exits 0 (a second signal cuts stimulation at once).
Every output path is checked before the session starts: a bad one is exit 2 and no
file is touched.

Options:
  --config FILE          config (YAML or JSON); see config/examples/
  --duration S           stop after S seconds of data, up to 604800 (7 days)
                         (default: until Ctrl+C)
  --speed realtime|max   pacing of a simulated or file source (default: from the config)
  --seed K               shorthand for --set source.seed=K
  --set KEY=VALUE        override a config key by its dotted path (repeatable; never
                         limits.*, which come from the file only),
                         validated like the file: --set policy.upperThreshold=1.5
  --trace FILE.ndjson    JSON lines, readable while running and after a crash: first
                         {"kind":"session-start",...}, then one line per feature frame
                         (request, applied, events), last {"kind":"session-end",...};
                         a trace without that last line did not end cleanly
  --summary FILE.json    what the session did (duration, stimulation, energy, bursts;
                         floats to 6 significant digits), written whole at the end
  --log-format F         auto (default: readable on a terminal, JSON otherwise),
                         pretty or json; a logging.file always gets JSON
  --mqtt URL             telemetry to this broker (mqtt://, mqtts://, ws://, wss://)
  --no-mqtt              no telemetry (default: telemetry.mqtt.url, else an embedded
                         broker on 127.0.0.1:1883)
  --take-over            start even if the broker shows this rig.id online in another
                         session (default: refuse, exit 2)
  --dashboard [HOST:]PORT
                         serve the live dashboard page (docs/dashboard.md) at
                         http://HOST:PORT/ (HOST default 127.0.0.1; beyond loopback only
                         when given, and with the embedded broker only with credentials)
  --record DIR           record the session into a new folder DIR/<rig>-<start>/: the
                         signal as BDF+ (or EDF+, recording.format) with every event and
                         stimulation change as an annotation, trace.ndjson, features.csv,
                         config.yaml (resolved) and manifest.json (sha256 of each file;
                         "closedCleanly": false if the session was cut short)
`;

export const REPLAY_HELP = `Usage: neuroloop replay FILE [options]
       neuroloop replay FILE... --jobs N [--summary ROWS.csv|ROWS.ndjson]

Runs the closed loop on a recorded signal: EDF, EDF+ (C and D), BDF, BDF+ or CSV. The
config's signal path, policy and limits decide; nothing drives hardware (the stimulator is
the simulated one, no GPIO line is claimed). Replaying a session recorded with
"run --record" reproduces its trace line for line after the first line.
File annotations (markers such as MedOn) go into the trace at their sample; a neuroloop
recording's [marker] annotations (neuroloop mark) come back as the same markers, and a
state they declare switches the policy's parameters again (policy.states).

Options:
  --config FILE          policy, signal path and limits (default: the config.yaml of the
                         session folder FILE is in)
  --speed realtime|N|max max (default): as fast as possible, with a progress bar on a
                         terminal; realtime, or N times real time (e.g. 10)
  --from S, --to S       replay only from S to S seconds of data
  --channels A,B         signals by label or 0-based index (default: every signal at the
                         rate of the first; others are skipped with a notice)
  --fs HZ                sample rate of a CSV without a t column
  --set KEY=VALUE        override a config key (not limits.*)
  --trace FILE.ndjson    the trace, as run writes it
  --summary FILE.json    what the policy did (one file); with several FILEs, one row per
                         file (.csv or .ndjson; default NDJSON on stdout)
  --record DIR           record the replay as a session folder (see run --help)
  --report F.html        one self-contained HTML page: biomarker and thresholds, applied
                         amplitude, events and annotations, the summary
  --compare A.yaml --compare B.yaml
                         replay under each config into one --report, side by side
  --jobs N               several FILEs on N worker threads (each file is independent;
                         the rows are the same whatever N)
  --mqtt URL             publish telemetry while replaying (default: none)
`;

export const FEATURES_HELP = `Usage: neuroloop features INPUT [options]

Band power of a recorded signal, one row per window (Welch PSD, docs/design.md "Band power").

INPUT is an EDF, EDF+, BDF or BDF+ file (known by its first bytes or a .edf/.bdf name;
the sample rate comes from its header, signals in mV or V are converted to uV), or a
CSV: first line channel names (optionally "t" first, in seconds, from which the sample
rate is inferred), then one row per sample in microvolts.

Options:
  --channels A,B     channels by label or 0-based index (default: EDF/BDF every signal at
                     the rate of the first, others skipped with a notice; CSV every column)
  --fs HZ            sample rate, 1 to 100000 (required for a CSV without a t column;
                     otherwise it must agree with the file)
  --window N         samples per window, 2 to 1048576 (default 256)
  --hop N            samples between window ends, 1 to 1048576 (default window/4)
  --segment N        Welch segment length, 2 to --window (default window; 50 % overlap)
  --bands LIST       name=lo:hi,... in Hz, half-open [lo, hi)
                     (default delta=1:4,theta=4:8,alpha=8:13,beta=13:30,gamma=30:45)
  --out FILE         output CSV, written whole or not at all; "-" or absent: stdout
                     (streamed)

A gap (in a CSV's t column up to 24 h and 1e7 samples; an EDF+D jump; samples a neuroloop
recording marks [lost]) makes the windows over it NaN. Annotations are not used.
Interrupted (SIGINT, SIGTERM): nothing is written, exit 130 / 143.

Output columns: end_sample,t_s,<channel>.<band>,...  band power in uV^2; t_s counts
from the first sample.
`;

export const SIM_HELP = `Usage: neuroloop sim --duration S [options]

Writes synthetic LFP/EEG (docs/design.md "Simulator") as a CSV that "neuroloop features"
reads: t in seconds, then one column per channel in microvolts (rounded to 1e-6 uV).
The same seed always gives the same file.

Options:
  --duration S       seconds of data, up to 604800 (7 days) (required)
  --fs HZ            sample rate, 1 to 100000 (default 250)
  --channels N       number of channels, 1 to 256 (default 2)
  --seed K           random seed, 0 to 4294967295 (default 1)
  --config FILE      take the brain and plant parameters from a config's sim source
  --out FILE         output CSV, written whole or not at all; "-" or absent: stdout
                     (streamed)

Interrupted (SIGINT, SIGTERM): nothing is written, exit 130 / 143.
`;

export const COURSE_HELP = `Usage: neuroloop course --config FILE [--json]

Prints the rig's course ledger (the sessions of a treatment course: start, duration, what
was delivered, how each ended) as a table, one row per session, with totals per UTC date,
and, when the config has limits.course, what the limits leave and when the next session of
this config may start. A day in the limits is any 24 hours (a rolling day).

The ledger is rig.courseLedger in the config (relative to it), else
$STATE_DIRECTORY, $XDG_STATE_HOME/neuroloop or ~/.local/state/neuroloop, then
<rig id>/course.ndjson. A session of a config with limits.course is refused (exit 2) when it
would cross them, with the time the next may start.

Options:
  --config FILE   the rig's config (its rig.id, rig.courseLedger and limits.course)
  --json          one JSON object per line instead of the table
`;

export const DASHBOARD_HELP = `Usage: neuroloop dashboard [--mqtt URL] [--listen HOST:PORT] [options]

Serves the live dashboard page (docs/dashboard.md) for every rig publishing to a broker:
the rigs with their status, one rig's biomarker, stimulation, band powers, governor and
events live, and (when the rig enables commands and the broker lets the user) e-stop,
reset, markers and the tunable policy parameters. The page asks for the broker's
username and password when the broker wants them and keeps them in memory only.
Runs until Ctrl+C or SIGTERM.

Options:
  --mqtt URL             the broker (default mqtt://127.0.0.1:1883, a local run's embedded
                         broker). ws:// and wss:// the page opens itself; mqtt:// and
                         mqtts:// go through this server's /mqtt. No credentials in the URL.
  --listen HOST:PORT     where to serve the page (default 127.0.0.1:8080; beyond loopback
                         only when given)
  --prefix P             telemetry.topicPrefix of the rigs (default neuroloop)
  --rig ID               the rig to show first (default: the first the broker lists)
  --ca FILE              PEM of the CA that signed the broker's certificate (mqtts://)
  --login                ask for a username and password before connecting (default: only
                         when the broker refuses an anonymous client)

Exit codes: 0 stopped by Ctrl+C/SIGTERM, 2 bad arguments or the address is taken.
`;

export const MARK_HELP = `Usage: neuroloop mark --mqtt URL --rig ID [options] "TEXT"
       neuroloop mark --mqtt URL --rig ID --drug D --dose N --unit U --route R [--state S] ["TEXT"]

Puts a marker on the timeline of a running session (neuroloop run with
telemetry.commands.enabled: true): publishes it on <prefix>/<rig>/cmd/marker and waits for
the rig's answer on cmd/ack. The rig traces it, records it as a [marker] annotation (which
a replay reads back as the same marker), publishes it on events and counts it in the
summary. A declared state (--state MedOn) switches the policy to its parameter set
(policy.states) from the next frame; a state the policy does not declare is refused.

Options:
  --mqtt URL             the broker the rig uses (mqtt://, mqtts://, ws://, wss://)
  --rig ID               the rig's rig.id
  --username U           broker user (one allowed to write cmd/ and read cmd/ack)
  --password-file F      file holding the broker password (never on the command line)
  --ca FILE              PEM of the CA that signed the broker's certificate (mqtts://, wss://)
  --prefix P             telemetry.topicPrefix of the rig (default neuroloop)
  --drug D --dose N --unit U --route R
                         a medication, all four: --drug levodopa --dose 100 --unit mg
                         --route oral
  --state S              a declared state, e.g. MedOn or MedOff
  --timeout S            seconds to wait for the answer, up to 600 (default 5)
  TEXT                   free text, at most 120 characters (quote it)

Exit codes: 0 the rig took the marker, 2 refused (by the rig, the reason printed; or bad
arguments), 1 no answer within --timeout (rig not running, commands disabled, or not
allowed by the broker) or the broker cannot be reached.
`;

export const CONFIG_HELP = `Usage:
  neuroloop config check FILE     validate a config (YAML or JSON); lists every problem by path
  neuroloop config schema         print the JSON Schema of the config file (for editors)
`;

export const DOCTOR_HELP = `Usage: neuroloop doctor [--config FILE] [--json]

Checks whether this machine can run the hardware a config names, one line per check
(ok, warn or FAIL, with the fix): Node version; the optional native modules i2c-bus and
onoff; /dev/i2c-* present and readable/writable (group i2c); each configured chip answers
a probe that changes nothing (ADS1x15: its Config register is read; MCP4725: a read
only, never a write); the GPIO backend that works here (sysfs with onoff, or
/dev/gpiochip* with the libgpiod tools), the header chip and its base, and that the
configured lines are on it.

Without --config: checks the machine for a Raspberry Pi rig on I2C bus 1 (no chip is
probed) and fails when there is no I2C bus. With a config whose hardware is emulated,
or that has none: says so and checks only Node.

Options:
  --config FILE      config (YAML or JSON) naming the hardware
  --json             one JSON object: {"v":1,"usable":...,"checks":[{"status","name","detail","fix"}]}

Environment (for tests and containers; they move what doctor reads, and chips are not
probed when the device folder is moved, since i2c-bus always opens /dev/i2c-N):
  NEUROLOOP_DEV_ROOT          instead of /dev (i2c-*, gpiochip*)
  NEUROLOOP_SYSFS_GPIO_ROOT   instead of /sys/class/gpio

Exit codes: 0 the configured hardware is usable, 1 not usable (a check failed),
2 bad arguments or config.
`;
