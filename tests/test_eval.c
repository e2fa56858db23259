/* test_eval.c — clustering metrics against hand-computed cases. */
#include "newsfold.h"
#include "harness.h"

static nf_cluster_scores score(const uint64_t *g, const uint64_t *p, size_t n)
{
    nf_cluster_scores s;
    nf_rc rc = nf_cluster_score(g, p, n, &s);
    CHECK_EQ_INT(rc, NF_OK);
    return s;
}

int main(void)
{
    const uint64_t g4[] = {0, 0, 1, 1};
    {   /* perfect, with different label values */
        const uint64_t p[] = {5, 5, 7, 7};
        nf_cluster_scores s = score(g4, p, 4);
        CHECK_NEAR(s.ari, 1, 1e-12);
        CHECK_NEAR(s.bcubed_f1, 1, 1e-12);
        CHECK_NEAR(s.pair_f1, 1, 1e-12);
        CHECK_EQ_INT(s.pred_clusters, 2);
        CHECK_EQ_INT(s.gold_clusters, 2);
    }
    {   /* all in one: index 2, expected 2*6/6 = 2, max 4 -> ARI 0 */
        const uint64_t p[] = {9, 9, 9, 9};
        nf_cluster_scores s = score(g4, p, 4);
        CHECK_NEAR(s.ari, 0, 1e-12);
        CHECK_NEAR(s.bcubed_p, 0.5, 1e-12);
        CHECK_NEAR(s.bcubed_r, 1, 1e-12);
        CHECK_NEAR(s.pair_p, 1.0 / 3, 1e-12);
        CHECK_NEAR(s.pair_r, 1, 1e-12);
        CHECK_NEAR(s.pair_f1, 0.5, 1e-12);
        CHECK_EQ_INT(s.pred_clusters, 1);
    }
    {   /* all singletons: ARI 0, B-cubed P 1 R 0.5, no predicted pair */
        const uint64_t p[] = {0, 1, 2, 3};
        nf_cluster_scores s = score(g4, p, 4);
        CHECK_NEAR(s.ari, 0, 1e-12);
        CHECK_NEAR(s.bcubed_p, 1, 1e-12);
        CHECK_NEAR(s.bcubed_r, 0.5, 1e-12);
        CHECK_NEAR(s.bcubed_f1, 2 * 0.5 / 1.5, 1e-12);
        CHECK_NEAR(s.pair_p, 1, 1e-12);
        CHECK_NEAR(s.pair_r, 0, 1e-12);
        CHECK_NEAR(s.pair_f1, 0, 1e-12);
        CHECK_EQ_INT(s.pred_clusters, 4);
    }
    {   /* scikit-learn's documented example: ARI([0,0,1,1],[0,0,1,2]) = 4/7 */
        const uint64_t p[] = {0, 0, 1, 2};
        nf_cluster_scores s = score(g4, p, 4);
        CHECK_NEAR(s.ari, 4.0 / 7, 1e-12);
    }
    {   /* 2x2 table by hand: cells (0,0)=2 (0,1)=1 (1,1)=3
         * sum_ij = 1+0+3 = 4, gold pairs 3+3 = 6, pred pairs 1+6 = 7, C(6,2) = 15
         * expected = 6*7/15 = 2.8, max = 6.5 -> ARI = 1.2/3.7
         * B-cubed P = (2*1 + 1/4 + 3*3/4)/6 = 0.75, R = (2*2/3 + 1/3 + 3*1)/6 = 14/18 */
        const uint64_t g[] = {0, 0, 0, 1, 1, 1}, p[] = {0, 0, 1, 1, 1, 1};
        nf_cluster_scores s = score(g, p, 6);
        CHECK_NEAR(s.ari, 1.2 / 3.7, 1e-12);
        CHECK_NEAR(s.bcubed_p, 0.75, 1e-12);
        CHECK_NEAR(s.bcubed_r, 14.0 / 18, 1e-12);
        CHECK_NEAR(s.pair_p, 4.0 / 7, 1e-12);
        CHECK_NEAR(s.pair_r, 4.0 / 6, 1e-12);
        CHECK_EQ_INT(s.n, 6);
        /* symmetric in its arguments */
        nf_cluster_scores t = score(p, g, 6);
        CHECK_NEAR(t.ari, s.ari, 1e-12);
        CHECK_NEAR(t.bcubed_p, s.bcubed_r, 1e-12);
    }
    {   /* empty and single item: trivial partitions, ARI 1 by convention */
        nf_cluster_scores s = score(NULL, NULL, 0);
        CHECK_NEAR(s.ari, 1, 1e-12);
        const uint64_t one[] = {3};
        s = score(one, one, 1);
        CHECK_NEAR(s.ari, 1, 1e-12);
        CHECK_NEAR(s.bcubed_f1, 1, 1e-12);
    }
    return nf_test_done("test_eval");
}
