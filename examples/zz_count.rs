use policy_landscape::{ExactWorkspace, paper, policy::Softmax};
fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let n: usize = std::env::args().nth(2).map(|s| s.parse().unwrap()).unwrap_or(200_000);
    let mdp = paper::mdp::<f64>();
    let mut policy = Softmax::<f64, 26, 4>::tabular();
    for (i, t) in policy.params_mut().iter_mut().enumerate() { *t = (i % 7) as f64 * 0.25 - 0.75; }
    let mut ws = ExactWorkspace::new();
    let mut acc = 0.0;
    let mut g = [0.0; 104];
    for k in 0..n {
        policy.params_mut()[k % 104] += 1e-9;
        if mode == "g" {
            let e = ws.evaluate(&mdp, &policy, 0.0).unwrap();
            e.gradient_into(&mut g).unwrap();
            acc += g[3];
        } else if mode == "j" {
            acc += ws.objective(&mdp, &policy, 0.0).unwrap();
        }
    }
    println!("{acc}");
}
