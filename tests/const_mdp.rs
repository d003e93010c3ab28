//! `TabularMdp::try_new_const` (the compile-time constructor used for MDPs
//! in flash) accepts and rejects exactly what `try_new` does, with the same
//! errors, and builds the same MDP.

use policy_landscape::{Error, TabularMdp};

type Mdp = TabularMdp<f64, 3, 2>;
type P = [[[f64; 3]; 2]; 3];
type R = [[f64; 2]; 3];

fn valid() -> (P, R, f64, [f64; 3]) {
    let p = [
        [[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]],
        [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]],
        [[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]],
    ];
    let r = [[0.0, 1.0], [2.0, -1.0], [0.0, 0.0]];
    (p, r, 0.9, [0.5, 0.5, 0.0])
}

fn both(p: P, r: R, gamma: f64, p0: [f64; 3]) -> Result<Mdp, Error> {
    let runtime = Mdp::try_new(p, r, gamma, p0);
    let constant = Mdp::try_new_const(p, r, gamma, p0);
    assert_eq!(runtime, constant);
    constant
}

#[test]
fn the_same_mdp_and_the_same_errors_as_try_new() {
    let (p, r, gamma, p0) = valid();
    let mdp = both(p, r, gamma, p0).unwrap();
    assert_eq!(mdp.transitions(), &p);

    let mut bad = p;
    bad[1][0][2] = f64::NAN;
    assert_eq!(
        both(bad, r, gamma, p0),
        Err(Error::NonFiniteTransition {
            state: 1,
            action: 0,
            next: 2
        })
    );
    let mut bad = p;
    bad[0][1] = [1.5, -0.5, 0.0];
    assert_eq!(
        both(bad, r, gamma, p0),
        Err(Error::NegativeProbability {
            state: 0,
            action: 1,
            next: 1
        })
    );
    let mut bad = p;
    bad[2][1][2] = 0.99;
    assert_eq!(
        both(bad, r, gamma, p0),
        Err(Error::NotStochastic {
            state: 2,
            action: 1
        })
    );
    let mut bad_r = r;
    bad_r[1][1] = f64::INFINITY;
    assert_eq!(
        both(p, bad_r, gamma, p0),
        Err(Error::NonFiniteReward {
            state: 1,
            action: 1
        })
    );
    for g in [1.0, -0.1, f64::NAN] {
        assert_eq!(
            both(p, r, g, p0),
            Err(Error::InvalidDiscount {
                rule: "lie in [0, 1 - 4 S eps) (S states, eps the scalar's precision: the exact solver's limit)"
            })
        );
    }
    assert_eq!(
        both(p, r, gamma, [0.5, -0.5, 1.0]),
        Err(Error::InvalidStartDistribution { index: 1 })
    );
    assert_eq!(
        both(p, r, gamma, [0.5, 0.4, 0.0]),
        Err(Error::InvalidStartDistribution { index: 3 })
    );
}

/// Validated at compile time: an invalid constant would not build.
static COIN_F32: TabularMdp<f32, 2, 1> = match TabularMdp::<f32, 2, 1>::try_new_const(
    [[[0.25, 0.75]], [[0.0, 1.0]]],
    [[1.0], [0.0]],
    0.5,
    [1.0, 0.0],
) {
    Ok(mdp) => mdp,
    Err(_) => panic!("invalid"),
};

#[test]
fn a_static_mdp_evaluates_like_a_runtime_one() {
    use policy_landscape::{ExactWorkspace, Softmax};
    let runtime = TabularMdp::<f32, 2, 1>::try_new(
        [[[0.25, 0.75]], [[0.0, 1.0]]],
        [[1.0], [0.0]],
        0.5,
        [1.0, 0.0],
    )
    .unwrap();
    let policy = Softmax::<f32, 2, 1>::tabular();
    let mut ws = ExactWorkspace::new();
    let j_static = ws.objective(&COIN_F32, &policy, 0.0).unwrap();
    let j_runtime = ws.objective(&runtime, &policy, 0.0).unwrap();
    assert_eq!(j_static.to_bits(), j_runtime.to_bits());
    // V(0) = 1 + 0.5 (0.25 V(0)) with V(1) = 0: V(0) = 1 / 0.875.
    assert!((j_static - 1.0 / 0.875).abs() < 1e-6, "{j_static}");
}
