//! Fig. 5, 6, 7a and 7b of a tiny §3.2 run: the log converts into the
//! figures crate's `Section32` with the counts and values of its records,
//! the four images are drawn at their sizes, and results files written
//! before the probes kept their pairs still parse and draw.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use policy_landscape_figures::draw::{Section32, section32_figures};
use policy_landscape_mujoco::Task;
use policy_landscape_mujoco::experiment::{
    Log, Phase, ProbeStats, Record, Report, RunKey, Settings, Silent, mean_sd, run_phase,
};
use policy_landscape_mujoco::figures::{self, fluctuation, monotone, section32};

fn tiny() -> Settings {
    Settings {
        sigmas: vec![0.1, 1.0],
        rates: vec![0.003, 0.03],
        seeds: 2,
        updates: 6,
        batch: 4,
        eval_every: 2,
        eval_episodes: 2,
        probe_every: 2,
        probe_sigmas: vec![0.0, 1.0],
        directions: 6,
        probe_episodes: 2,
        points: 4,
        ..Settings::quick(Task::Hopper)
    }
}

fn dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "policy-landscape-mujoco-figures-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The tiny run's results file, made once for every test of this file.
fn results() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let path = dir().join("tiny.jsonl");
        let _ = std::fs::remove_file(&path);
        for phase in [Phase::Train, Phase::Curvature, Phase::Solutions] {
            run_phase(&tiny(), phase, &path, (0, 1), &mut Silent).unwrap();
        }
        path
    })
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", path.display());
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

#[test]
fn the_log_converts_into_section32_with_the_records_counts_and_values() {
    let s = tiny();
    let log = Log::read(results()).unwrap();
    let report = Report::new(&s, &log);
    let sec = section32(&report);
    assert_eq!(sec.env, "hopper");

    // Fig. 5: both σ at their best rate, every evaluation point (0, 2, 4,
    // 6), mean and sd over the two seeds' own records.
    assert_eq!(sec.learning.len(), 2);
    for (c, &sigma) in sec.learning.iter().zip(&s.sigmas) {
        assert_eq!(c.sigma, sigma);
        assert_eq!(Some(c.rate), report.best_rate(sigma).map(|b| b.0));
        assert_eq!(c.seeds, 2);
        let updates: Vec<f64> = c.points.iter().map(|p| p.0).collect();
        assert_eq!(updates, [0.0, 2.0, 4.0, 6.0]);
        for &(u, mean, sd) in &c.points {
            let values: Vec<f64> = (0..s.seeds)
                .map(|seed| {
                    let run = RunKey {
                        sigma,
                        rate: c.rate,
                        seed,
                    };
                    log.evals[&run.id()][&(u as usize)].0
                })
                .collect();
            assert_eq!((mean, sd), mean_sd(&values), "σ = {sigma}, update {u}");
        }
    }

    // Fig. 6: one series per probe σ, the chosen run's picks where some
    // direction improved.
    let run = report.curvature_run().unwrap();
    assert_eq!(
        sec.curvature_run,
        format!("σ = {}, rate {}, seed {}", run.sigma, run.rate, run.seed)
    );
    assert_eq!(sec.curvature.len(), s.probe_sigmas.len());
    for (c, &ps) in sec.curvature.iter().zip(&s.probe_sigmas) {
        assert_eq!(c.sigma, ps);
        let picks = &log.curvature[&(run.id(), ps.to_bits())];
        let improved: Vec<(f64, f64)> = picks
            .iter()
            .filter_map(|(&u, p)| p.map(|(_, curv)| (u as f64, curv)))
            .collect();
        assert_eq!(c.points, improved);
        assert_eq!(c.fluctuation, fluctuation(&c.points));
        if let [a, b, c3] = improved[..] {
            let d = [b.1 - a.1, c3.1 - b.1];
            assert_eq!(fluctuation(&improved), Some(mean_sd(&d).1));
        }
    }

    // Fig. 7a: every direction's pair at the low-σ solution, the band
    // the accumulator judged them by.
    let (low, _) = report.solution_pair().unwrap();
    assert_eq!(sec.probes.len(), s.probe_sigmas.len());
    for (p, &ps) in sec.probes.iter().zip(&s.probe_sigmas) {
        let stats: &ProbeStats = report.probe(&low, ps).unwrap();
        assert_eq!(p.sigma, ps);
        assert_eq!(p.directions, s.directions);
        assert_eq!(p.pairs.len() as u64, s.directions);
        assert_eq!(stats.pairs.len() as u64, s.directions);
        assert!(stats.pairs.iter().map(|q| q.index).eq(0..s.directions));
        assert_eq!(
            p.pairs,
            stats
                .pairs
                .iter()
                .map(|q| (q.d_plus, q.d_minus))
                .collect::<Vec<_>>()
        );
        // The accumulator's counts are those of the recorded pairs and bands.
        let below = stats.pairs.iter().filter(|q| q.sum() < -q.band).count() as u64;
        let above = stats.pairs.iter().filter(|q| q.sum() > q.band).count() as u64;
        assert_eq!((p.negative, stats.positive), (below, above), "σ = {ps}");
        assert!(stats.pairs.iter().all(|q| q.band > 0.0));
        let mean_band = stats.pairs.iter().map(|q| q.band).sum::<f64>() / stats.pairs.len() as f64;
        assert_eq!(p.band, mean_band);
        assert_eq!(p.band, stats.band);
        // The accumulator's mean curvature (D+ + D−)/α² is the pairs'.
        let mean_sum = stats.pairs.iter().map(|q| q.sum()).sum::<f64>() / s.directions as f64;
        let expected = mean_sum / (s.alpha * s.alpha);
        assert!(
            (stats.mean_curvature - expected).abs() <= 1e-9 * expected.abs().max(1.0),
            "{} vs {expected}",
            stats.mean_curvature
        );
        assert_eq!(p.interval, stats.interval);
        assert_eq!(p.verdict, stats.verdict);
    }

    // Fig. 7b: the interpolations, monotone within the noise or not.
    assert_eq!(sec.interpolation.len(), s.probe_sigmas.len());
    for (i, &ps) in sec.interpolation.iter().zip(&s.probe_sigmas) {
        let points = report.interpolation(ps).unwrap();
        assert_eq!(i.sigma, ps);
        assert_eq!(i.points, points);
        assert_eq!(i.points.len(), s.points);
        assert_eq!(i.monotone, monotone(points));
    }
}

#[test]
fn the_four_figures_are_drawn_at_their_sizes() {
    let s = tiny();
    let log = Log::read(results()).unwrap();
    let report = Report::new(&s, &log);
    let root = dir().join("drawn");
    let files = figures::draw(&report, &root).unwrap();
    let list = section32_figures(&section32(&report));
    assert_eq!(files.len(), 4);
    assert_eq!(list.len(), 4);
    for (name, (file, figure)) in ["fig5", "fig6", "fig7a", "fig7b"]
        .iter()
        .zip(files.iter().zip(&list))
    {
        assert_eq!(
            file,
            &root.join(format!("docs/figures/{name}-hopper.png")),
            "{}",
            figure.file
        );
        assert_eq!(png_size(file), figure.size, "{}", file.display());
    }
}

#[test]
fn a_results_file_without_pairs_parses_and_draws_fig7a_without_points() {
    // A probe line as files written before the pairs were kept hold it.
    let old = r#"{"kind":"probe","run":{"sigma":0.1,"rate":0.003,"seed":1},"probe_sigma":0.0,"stats":{"directions":6,"negative":2,"positive":1,"fraction_negative":0.3333333333333333,"interval":[0.09677,0.70],"mean_curvature":-12.5,"mean_gradient":3.25,"base":101.5,"base_error":2.5,"verdict":"Saddle"}}"#;
    let Record::Probe { stats, .. } = serde_json::from_str::<Record>(old).unwrap() else {
        panic!("not a probe record");
    };
    assert!(stats.pairs.is_empty());
    assert_eq!((stats.directions, stats.negative, stats.band), (6, 2, 0.0));

    // The tiny run's file with its pairs and bands removed: the same
    // figures but Fig. 7a's points.
    let text = std::fs::read_to_string(results()).unwrap();
    let stripped: String = text
        .lines()
        .map(|line| {
            let mut v: serde_json::Value = serde_json::from_str(line).unwrap();
            if let Some(stats) = v.get_mut("stats").and_then(|s| s.as_object_mut()) {
                assert!(stats.remove("pairs").is_some());
                assert!(stats.remove("band").is_some());
            }
            v.to_string() + "\n"
        })
        .collect();
    let path = dir().join("old.jsonl");
    std::fs::write(&path, stripped).unwrap();
    let s = tiny();
    let (new_log, old_log) = (Log::read(results()).unwrap(), Log::read(&path).unwrap());
    let (new, old): (Section32, Section32) = (
        section32(&Report::new(&s, &new_log)),
        section32(&Report::new(&s, &old_log)),
    );
    assert_eq!(old.probes.len(), new.probes.len());
    for (o, n) in old.probes.iter().zip(&new.probes) {
        assert!(o.pairs.is_empty());
        assert_eq!(o.band, 0.0);
        assert_eq!((o.negative, o.directions), (n.negative, n.directions));
    }
    assert_eq!(
        (&old.learning, &old.curvature, &old.interpolation),
        (&new.learning, &new.curvature, &new.interpolation)
    );
    let root = dir().join("old");
    let files = figures::draw(&Report::new(&s, &old_log), &root).unwrap();
    assert_eq!(files.len(), 4);
    assert!(files.iter().all(|f| f.exists()));
}
