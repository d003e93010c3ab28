/* The README's minimal C use: the paper's world, a uniform softmax policy,
 * J and its gradient, heap objects. */
#include <stdio.h>
#include "policy_landscape.h"

int main(void) {
    pl_exact *world = NULL;
    pl_softmax *policy = NULL;
    pl_real j, grad[4 * 26]; /* torch layout: W[action][state] */
    if (pl_exact_new_paper(&world) != PL_OK || pl_softmax_new(26, 4, false, &policy) != PL_OK) return 1;
    pl_status st = pl_exact_evaluate(world, policy, 0.0, &j, grad, 4 * 26, NULL, 0, NULL, 0, NULL, 0);
    if (st != PL_OK) { fprintf(stderr, "error: %s\n", pl_status_message(st)); return 1; }
    printf("J = %.6f, dJ/dW[right][start] = %.6f\n", (double)j, (double)grad[1 * 26 + 0]);
    pl_softmax_free(&policy);
    pl_exact_free(&world);
    return 0;
}
