//! The Fig. 5–7 data on Pendulum: determinism, consistency, serde.

use std::sync::OnceLock;

use policy_landscape_figures::continuous::{self, Results, Settings};

/// `tiny()` on 2 threads, run once for all tests.
fn tiny() -> &'static Results {
    static RESULTS: OnceLock<Results> = OnceLock::new();
    RESULTS.get_or_init(|| {
        continuous::run_threads(&Settings::tiny(), 2, &mut |_, _, _| {}).expect("tiny() runs")
    })
}

#[test]
fn same_settings_same_results_whatever_the_threads() {
    let mut stages = Vec::new();
    let again = continuous::run_threads(&Settings::tiny(), 1, &mut |stage, done, total| {
        assert!(done <= total);
        if done == total {
            stages.push(stage.to_string());
        }
    })
    .expect("tiny() runs");
    assert_eq!(
        stages,
        ["training", "curvature", "probes", "interpolation"],
        "every stage reports its end"
    );
    let a = serde_json::to_string(tiny()).expect("serialises");
    let b = serde_json::to_string(&again).expect("serialises");
    assert_eq!(a, b);
}

#[test]
fn serde_round_trip() {
    let r = tiny();
    let text = serde_json::to_string(r).expect("serialises");
    let back: Results = serde_json::from_str(&text).expect("deserialises");
    assert_eq!(&back, r);
    assert!(text.contains("\"env\":\"pendulum\""));
    let s: Settings = serde_json::from_str(&serde_json::to_string(&Settings::quick()).unwrap())
        .expect("settings round trip");
    assert_eq!(s, Settings::quick());
}

#[test]
fn every_run_has_its_curve() {
    let r = tiny();
    let s = &r.settings;
    assert_eq!(
        r.curves.len() as u64,
        s.sigmas.len() as u64 * s.rates.len() as u64 * s.seeds
    );
    let expected: Vec<usize> = (0..=s.updates).step_by(s.eval_every).collect();
    for c in &r.curves {
        assert!(c.error.is_none(), "{:?}", c.error);
        let updates: Vec<usize> = c.points.iter().map(|p| p.0).collect();
        assert_eq!(updates, expected);
        assert!(c.points.iter().all(|p| p.1.is_finite() && p.1 <= 0.0));
        assert_eq!(c.theta.len(), 4);
        assert_eq!(c.final_return(s.updates), Some(c.points.last().unwrap().1));
    }
    // Seeds share their initialisation across σ and rates.
    let at0: Vec<f64> = r
        .curves
        .iter()
        .filter(|c| c.run.seed == 0)
        .map(|c| c.points[0].1)
        .collect();
    assert!(at0.iter().all(|&v| v == at0[0]));
    // Every σ has a best rate, and it has the highest mean final return.
    assert_eq!(r.best_rates.len(), s.sigmas.len());
    for &(sigma, rate) in &r.best_rates {
        let best = r.best(sigma).unwrap();
        assert_eq!(best.rate, rate);
        assert_eq!(best.finished, s.seeds);
        for other in r.rates.iter().filter(|x| x.sigma == sigma) {
            assert!(other.final_mean.unwrap() <= best.final_mean.unwrap());
        }
    }
}

#[test]
fn curvature_series_cover_the_checkpoints() {
    let r = tiny();
    let s = &r.settings;
    assert_eq!(r.curvature_run.sigma, s.sigmas[s.sigmas.len() / 2]);
    assert_eq!(r.curvature_run.seed, 0);
    assert_eq!(r.curvature.len(), s.probe_sigmas.len());
    let checkpoints = s.updates / s.probe_every + 1;
    for (series, &ps) in r.curvature.iter().zip(&s.probe_sigmas) {
        assert_eq!(series.probe_sigma, ps);
        assert_eq!(series.points.len() + series.unimproved.len(), checkpoints);
        assert!(series.points.iter().all(|p| p.1.is_finite()));
        assert_eq!(series.fluctuation.is_some(), series.points.len() >= 3);
    }
}

/// The Fig. 7a counts of `r` agree with its pairs; returns the detectable
/// directions.
fn check_probes(r: &Results) -> u64 {
    let s = &r.settings;
    assert_eq!(r.probes.len(), s.probe_sigmas.len());
    assert_eq!(r.own_probes.len(), s.sigmas.len());
    let mut detectable = 0;
    for p in r.probes.iter().chain(&r.own_probes) {
        assert_eq!(p.directions, s.directions);
        assert_eq!(p.pairs.len() as u64, s.directions);
        assert!(p.negative + p.positive <= p.directions);
        assert_eq!(p.fraction_negative, p.negative as f64 / p.directions as f64);
        assert!(p.interval.0 <= p.fraction_negative && p.fraction_negative <= p.interval.1);
        assert!(0.0 <= p.interval.0 && p.interval.1 <= 1.0);
        // The counts are the pairs' sums against their bands.
        let neg = p.pairs.iter().filter(|q| q.sum() < -q.band).count() as u64;
        let pos = p.pairs.iter().filter(|q| q.sum() > q.band).count() as u64;
        assert_eq!(
            (neg, pos),
            (p.negative, p.positive),
            "σ = {}",
            p.probe_sigma
        );
        assert!(p.pairs.iter().enumerate().all(|(i, q)| q.index == i as u64));
        // Zero when every episode returns the same (saturated, clipped actions).
        assert!(p.band >= 0.0 && p.base_error >= 0.0);
        detectable += neg + pos;
    }
    for (p, &ps) in r.probes.iter().zip(&s.probe_sigmas) {
        assert_eq!((p.run, p.probe_sigma), (r.solution.low, ps));
    }
    detectable
}

#[test]
fn probe_counts_are_consistent() {
    check_probes(tiny());
}

#[test]
fn probe_counts_are_consistent_where_curvature_is_detectable() {
    // MountainCarContinuous's initial states vary little: with a large step
    // some curvature is detectable even with 2 episodes (6 of the 24
    // directions here; with α = 0.5 none, once the clipped actions saturate).
    let s = Settings {
        env: continuous::Env::MountainCar,
        alpha: 2.0,
        ..Settings::tiny()
    };
    let r = continuous::run_threads(&s, 2, &mut |_, _, _| {}).expect("runs");
    assert!(check_probes(&r) > 0);
}

#[test]
fn interpolation_ends_at_the_solutions() {
    let r = tiny();
    let s = &r.settings;
    let sol = &r.solution;
    assert_eq!(sol.low.sigma, s.sigmas[0]);
    assert_eq!(sol.high.sigma, *s.sigmas.last().unwrap());
    assert_eq!(sol.low.seed, sol.high.seed);
    // The poorest low-σ seed at its best rate.
    for c in r
        .curves
        .iter()
        .filter(|c| c.run.sigma == sol.low.sigma && c.run.rate == sol.low.rate)
    {
        assert!(c.final_return(s.updates).unwrap() >= sol.low_return);
    }
    assert_eq!(r.interpolation.len(), s.probe_sigmas.len());
    for (i, &ps) in r.interpolation.iter().zip(&s.probe_sigmas) {
        assert_eq!(i.probe_sigma, ps);
        assert_eq!(i.points.len(), s.points);
        let (first, last) = (i.points[0], *i.points.last().unwrap());
        assert_eq!((first.0, last.0), (0.0, 1.0));
        let at_low = continuous::evaluate(s, &sol.low_theta, ps).unwrap();
        let at_high = continuous::evaluate(s, &sol.high_theta, ps).unwrap();
        assert_eq!((first.1, first.2), at_low);
        assert_eq!((last.1, last.2), at_high);
        if ps == 0.0 {
            // The deterministic policy's return is Fig. 5's evaluation.
            assert_eq!(first.1, sol.low_return);
            assert_eq!(last.1, sol.high_return);
        }
        assert_eq!(i.gain, last.1 - first.1);
        assert!(i.dip >= 0.0);
        assert!(!i.strictly_monotone || (i.dip == 0.0));
    }
}

#[test]
fn bad_settings_are_refused() {
    let mut s = Settings::tiny();
    s.sigmas = vec![1.0, 0.1];
    assert!(continuous::run(&s, &mut |_, _, _| {}).is_err());
    let mut s = Settings::tiny();
    s.probe_every = 3;
    assert!(s.check().is_err());
    assert!(Settings::quick().check().is_ok());
}

/// Times `quick()` (or the settings given as JSON in the environment
/// variable `CONTINUOUS_SETTINGS`) and prints what it shows for the
/// paper's §3.2 claims:
/// `cargo test --release -p policy-landscape-figures --test continuous -- --ignored --nocapture`.
#[test]
#[ignore = "about a minute in release"]
fn quick_timing_and_claims() {
    let settings = match std::env::var("CONTINUOUS_SETTINGS") {
        Ok(json) => serde_json::from_str(&json).expect("CONTINUOUS_SETTINGS: settings as JSON"),
        Err(_) => Settings::quick(),
    };
    let start = std::time::Instant::now();
    let r = continuous::run(&settings, &mut |_, _, _| {}).expect("the settings run");
    println!("{:.1} s for {settings:?}", start.elapsed().as_secs_f64());
    for x in &r.rates {
        println!(
            "σ {:<4} rate {:<6} final {:>8.1} ± {:>6.1} area {:>8.1} ({} finished)",
            x.sigma,
            x.rate,
            x.final_mean.unwrap_or(f64::NAN),
            x.final_sd.unwrap_or(f64::NAN),
            x.area_mean.unwrap_or(f64::NAN),
            x.finished
        );
    }
    println!("best rates {:?}", r.best_rates);
    println!("curvature run {:?}", r.curvature_run);
    for c in &r.curvature {
        println!(
            "Fig. 6 σ {:<4}: {} points ({} unimproved), fluctuation {:?}, sd {:?}, mean |c| {:?}",
            c.probe_sigma,
            c.points.len(),
            c.unimproved.len(),
            c.fluctuation,
            c.sd,
            c.mean_abs
        );
    }
    println!(
        "solution low {:?} ({:.1}), high {:?} ({:.1})",
        r.solution.low, r.solution.low_return, r.solution.high, r.solution.high_return
    );
    for p in r.probes.iter().chain(&r.own_probes) {
        println!(
            "Fig. 7a run σ {} under σ {:<4}: {}/{} negative ({:.0} % [{:.0}, {:.0}]), {} positive, band {:.3}, verdict {}",
            p.run.sigma,
            p.probe_sigma,
            p.negative,
            p.directions,
            100.0 * p.fraction_negative,
            100.0 * p.interval.0,
            100.0 * p.interval.1,
            p.positive,
            p.band,
            p.verdict
        );
    }
    for i in &r.interpolation {
        let v: Vec<String> = i.points.iter().map(|p| format!("{:.0}", p.1)).collect();
        println!(
            "Fig. 7b σ {:<4}: monotone {} (strict {}), dip {:.1}, gain {:.1}: {}",
            i.probe_sigma,
            i.monotone,
            i.strictly_monotone,
            i.dip,
            i.gain,
            v.join(" ")
        );
    }
}
