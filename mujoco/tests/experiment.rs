//! The §3.2 experiment on a tiny scale: its results do not depend on the
//! thread count, a resumed or sharded run gives the same records as one
//! uninterrupted run, and the phases read what the earlier ones wrote.

use std::path::{Path, PathBuf};

use policy_landscape_mujoco::Task;
use policy_landscape_mujoco::experiment::{
    Log, Phase, Record, Report, RunKey, Settings, Silent, run_phase,
};

fn tiny() -> Settings {
    Settings {
        sigmas: vec![0.1, 1.0],
        rates: vec![0.003, 0.03],
        seeds: 2,
        updates: 4,
        batch: 4,
        eval_every: 2,
        eval_episodes: 2,
        probe_every: 2,
        probe_sigmas: vec![0.0, 1.0],
        directions: 3,
        probe_episodes: 2,
        points: 3,
        ..Settings::quick(Task::Hopper)
    }
}

fn fresh(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("policy-landscape-mujoco-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

fn all_phases(s: &Settings, path: &Path, threads: usize) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        for phase in [Phase::Train, Phase::Curvature, Phase::Solutions] {
            run_phase(s, phase, path, (0, 1), &mut Silent).unwrap();
        }
    });
}

/// Every record of a file, as a sorted list of its JSON lines (the order
/// of work may differ between a resumed and a straight run).
fn records(path: &Path) -> Vec<String> {
    let mut lines: Vec<String> = std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines.dedup();
    lines
}

#[test]
fn one_thread_and_two_give_the_same_file_and_resuming_changes_nothing() {
    let s = tiny();
    let (one, two) = (fresh("one.jsonl"), fresh("two.jsonl"));
    all_phases(&s, &one, 1);
    all_phases(&s, &two, 2);
    let text = std::fs::read_to_string(&one).unwrap();
    assert_eq!(
        text,
        std::fs::read_to_string(&two).unwrap(),
        "byte for byte"
    );

    // What the file holds: 2 σ × 2 rates × 2 seeds runs of 4 updates,
    // evaluations at 0, 2, 4; curvature at updates 0, 2 for 2 σ; probes;
    // interpolations under both probe σ.
    let log = Log::read(&one).unwrap();
    assert_eq!(log.done.len(), 8);
    assert!(log.evals.values().all(|e| e.keys().copied().eq([0, 2, 4])));
    assert!(
        log.checkpoints
            .values()
            .all(|c| c.keys().copied().eq([2, 4]))
    );
    assert_eq!(log.curvature.len(), 2);
    assert!(log.curvature.values().all(|c| c.keys().copied().eq([0, 2])));
    assert_eq!(log.interpolations.len(), 2);
    let report = Report::new(&s, &log);
    let (low, high) = report.solution_pair().unwrap();
    assert_eq!((low.sigma, high.sigma, low.seed), (0.1, 1.0, high.seed));
    // The selection, recomputed from the evaluations: the best rate has the
    // highest mean final return over seeds; the low solution is the
    // poorest seed at it.
    let final_of = |sigma: f64, rate: f64, seed: u64| {
        log.final_value(&RunKey { sigma, rate, seed }, s.updates)
            .unwrap()
    };
    for (sigma, run) in [(0.1, low), (1.0, high)] {
        let mean = |rate: f64| final_of(sigma, rate, 0) + final_of(sigma, rate, 1);
        let best = if mean(0.03) > mean(0.003) {
            0.03
        } else {
            0.003
        };
        assert_eq!(run.rate, best, "σ = {sigma}");
    }
    let poorest = if final_of(0.1, low.rate, 1) < final_of(0.1, low.rate, 0) {
        1
    } else {
        0
    };
    assert_eq!(low.seed, poorest);
    for ps in [0.0, 1.0] {
        let p = report.probe(&low, ps).unwrap();
        assert_eq!(p.directions, 3);
        assert!(p.negative + p.positive <= 3);
        assert!(p.interval.0 <= p.fraction_negative && p.fraction_negative <= p.interval.1);
        let points = report.interpolation(ps).unwrap();
        assert_eq!(
            points.iter().map(|p| p.0).collect::<Vec<_>>(),
            [0.0, 0.5, 1.0]
        );
    }
    let text_report = report.text();
    for fig in ["Fig. 5", "Fig. 6", "Fig. 7a", "Fig. 7b"] {
        assert!(text_report.contains(fig), "{text_report}");
    }

    // Cut the file after the first checkpoint of the first run: resuming
    // gives the same records.
    // The cut also tears the next line in half, as a stop mid-write would.
    let cut = fresh("cut.jsonl");
    let mut kept = Vec::new();
    let mut lines = text.lines();
    for line in lines.by_ref() {
        kept.push(line.to_owned());
        if line.contains("\"kind\":\"checkpoint\"") {
            break;
        }
    }
    let torn = lines.next().unwrap();
    std::fs::write(&cut, kept.join("\n") + "\n" + &torn[..torn.len() / 2]).unwrap();
    all_phases(&s, &cut, 2);
    assert_eq!(records(&cut), records(&one));
    // Running again does nothing new.
    let before = std::fs::read_to_string(&cut).unwrap();
    all_phases(&s, &cut, 2);
    assert_eq!(std::fs::read_to_string(&cut).unwrap(), before);
}

#[test]
fn shards_concatenate_into_the_whole_grid() {
    let s = tiny();
    let (a, b, whole) = (fresh("a.jsonl"), fresh("b.jsonl"), fresh("whole.jsonl"));
    run_phase(&s, Phase::Train, &a, (0, 2), &mut Silent).unwrap();
    run_phase(&s, Phase::Train, &b, (1, 2), &mut Silent).unwrap();
    run_phase(&s, Phase::Train, &whole, (0, 1), &mut Silent).unwrap();
    let (la, lb) = (Log::read(&a).unwrap(), Log::read(&b).unwrap());
    assert_eq!((la.done.len(), lb.done.len()), (4, 4));
    let joined = fresh("joined.jsonl");
    let text = std::fs::read_to_string(&a).unwrap() + &std::fs::read_to_string(&b).unwrap();
    std::fs::write(&joined, text).unwrap();
    assert_eq!(records(&joined), records(&whole));
    // The later phases run on the joined file.
    run_phase(&s, Phase::Solutions, &joined, (0, 1), &mut Silent).unwrap();
}

#[test]
fn other_settings_are_refused_and_phases_need_their_inputs() {
    let s = tiny();
    let path = fresh("refuse.jsonl");
    let e = run_phase(&s, Phase::Solutions, &path, (0, 1), &mut Silent).unwrap_err();
    assert!(e.contains("train phase first"), "{e}");
    let other = Settings {
        updates: 6,
        ..tiny()
    };
    let e = run_phase(&other, Phase::Train, &path, (0, 1), &mut Silent).unwrap_err();
    assert!(e.contains("other settings"), "{e}");
    let bad = Settings {
        probe_every: 3,
        ..tiny()
    };
    assert!(run_phase(&bad, Phase::Train, &fresh("bad.jsonl"), (0, 1), &mut Silent).is_err());
    // A malformed line names its line number.
    let broken = fresh("broken.jsonl");
    std::fs::write(&broken, "{\"kind\":\"settings\"\n").unwrap();
    let e = Log::read(&broken).unwrap_err();
    assert!(e.contains("line 1"), "{e}");
    // Records round-trip exactly through JSON (f64 included).
    let r = Record::Eval {
        run: RunKey {
            sigma: 0.1,
            rate: 1.0 / 3.0,
            seed: 1,
        },
        update: 2,
        value: std::f64::consts::PI * 1e-7,
        std_error: 0.1 + 0.2,
    };
    let back: Record = serde_json::from_str(&serde_json::to_string(&r).unwrap()).unwrap();
    assert_eq!(back, r);
}

#[test]
fn a_failing_run_is_recorded_and_the_grid_goes_on() {
    // A rate of 1e308 overflows the parameters at the first update.
    let s = Settings {
        sigmas: vec![1.0],
        rates: vec![0.01, 1e308],
        seeds: 1,
        ..tiny()
    };
    let path = fresh("failing.jsonl");
    run_phase(&s, Phase::Train, &path, (0, 1), &mut Silent).unwrap();
    let log = Log::read(&path).unwrap();
    assert_eq!(log.done.len(), 1);
    let (run, update, error) = log.failed.values().next().unwrap();
    assert_eq!((run.rate, *update), (1e308, 0));
    assert!(
        error.contains("overflow") || error.contains("non-finite"),
        "{error}"
    );
    let report = Report::new(&s, &log);
    // The failed rate is not eligible; the other one is the best.
    assert_eq!(report.best_rate(1.0).map(|b| b.0), Some(0.01));
    assert!(report.text().contains("failed"));
    // Resuming does not retry it.
    let before = std::fs::read_to_string(&path).unwrap();
    run_phase(&s, Phase::Train, &path, (0, 1), &mut Silent).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
}
