/* host-test: kernel/gfx/compositor/comp_region.c */
/* The compositor's rectangle and region math: intersection and bounds (with ends
 * near INT_MAX), damage-rect validation, regions staying disjoint under add,
 * subtract and clip, and occlusion by surfaces above, each checked pixel by pixel
 * against a brute-force coverage map, also on random inputs. */
#include <limits.h>
#include <stdint.h>
#include <osc/compositor.h>
#include "check.h"

#define GW 64
#define GH 48

/* Coverage of g on a GW x GH grid: each cell's count of pieces covering it. */
static void coverage(const struct comp_region *g, uint8_t cov[GH][GW])
{
    memset(cov, 0, GH * GW);
    for (int i = 0; i < g->n; i++)
        for (int y = 0; y < GH; y++)
            for (int x = 0; x < GW; x++)
                if (comp_rect_has_point(g->r[i], x, y))
                    cov[y][x]++;
}

static struct comp_rect R(int x, int y, int w, int h) { return (struct comp_rect){ x, y, w, h }; }

TEST(intersect_of_overlapping_and_disjoint_rects)
{
    struct comp_rect i = comp_rect_intersect(R(0, 0, 10, 10), R(5, 6, 10, 10));
    CHECK_EQ(i.x, 5); CHECK_EQ(i.y, 6); CHECK_EQ(i.w, 5); CHECK_EQ(i.h, 4);
    CHECK(comp_rect_empty(comp_rect_intersect(R(0, 0, 10, 10), R(10, 0, 5, 5))));
    CHECK(comp_rect_empty(comp_rect_intersect(R(0, 0, 10, 10), R(3, 3, -4, 5))));
}

TEST(intersect_and_bounds_do_not_wrap_near_int_max)
{
    struct comp_rect i = comp_rect_intersect(R(INT_MAX - 5, 0, INT_MAX, 10), R(0, 0, INT_MAX, 10));
    CHECK_EQ(i.x, INT_MAX - 5);
    CHECK_EQ(i.w, 5);
    CHECK(!comp_rect_has_point(R(INT_MAX - 1, 0, INT_MAX, 1), INT_MIN, 0));
    struct comp_rect b = comp_rect_bounds(R(0, 0, 0, 0), R(3, 4, 5, 6));
    CHECK_EQ(b.x, 3); CHECK_EQ(b.w, 5);
    b = comp_rect_bounds(R(0, 0, 2, 2), R(10, 10, 2, 2));
    CHECK_EQ(b.w, 12); CHECK_EQ(b.h, 12);
}

TEST(damage_rect_validation_rejects_garbage)
{
    CHECK(comp_rect_valid_in(R(0, 0, 100, 50), 100, 50));
    CHECK(comp_rect_valid_in(R(99, 49, 1, 1), 100, 50));
    CHECK(!comp_rect_valid_in(R(0, 0, 101, 50), 100, 50));
    CHECK(!comp_rect_valid_in(R(-1, 0, 10, 10), 100, 50));
    CHECK(!comp_rect_valid_in(R(0, 0, 0, 10), 100, 50));
    CHECK(!comp_rect_valid_in(R(0, 0, 10, -3), 100, 50));
    CHECK(!comp_rect_valid_in(R(INT_MAX, 0, INT_MAX, 1), 100, 50));
    CHECK(!comp_rect_valid_in(R(50, 0, INT_MAX, 1), 100, 50));
}

TEST(subtract_punches_a_hole_leaving_four_disjoint_pieces)
{
    struct comp_region g = { .n = 1, .r = { R(0, 0, 20, 20) } };
    comp_region_subtract(&g, R(5, 5, 10, 10));
    CHECK_EQ(g.n, 4);
    CHECK_EQ(comp_region_area(&g), 400 - 100);
    uint8_t cov[GH][GW];
    coverage(&g, cov);
    for (int y = 0; y < 20; y++)
        for (int x = 0; x < 20; x++)
            CHECK_EQ(cov[y][x], !(x >= 5 && x < 15 && y >= 5 && y < 15));
}

TEST(fully_covered_surface_has_no_visible_piece)
{
    struct comp_region g = { .n = 1, .r = { R(10, 10, 20, 20) } };
    comp_region_subtract(&g, R(0, 0, 40, 40));
    CHECK_EQ(g.n, 0);
}

TEST(add_keeps_pieces_disjoint_and_covers_the_union)
{
    struct comp_region g;
    comp_region_clear(&g);
    comp_region_add(&g, R(0, 0, 10, 10));
    comp_region_add(&g, R(5, 5, 10, 10));
    comp_region_add(&g, R(2, 2, 3, 3));         /* inside the first: nothing new */
    comp_region_add(&g, R(0, 0, 0, 5));         /* empty: ignored */
    CHECK_EQ(comp_region_area(&g), 100 + 100 - 25);
    uint8_t cov[GH][GW];
    coverage(&g, cov);
    for (int y = 0; y < GH; y++)
        for (int x = 0; x < GW; x++)
            CHECK(cov[y][x] <= 1);
}

TEST(add_beyond_capacity_collapses_to_the_bounding_box)
{
    struct comp_region g;
    comp_region_clear(&g);
    for (int i = 0; i < COMP_REGION_MAX + 5; i++)
        comp_region_add(&g, R(i * 2, i % 3, 1, 1));
    CHECK(g.n >= 1 && g.n <= COMP_REGION_MAX);
    uint8_t cov[GH][GW];
    coverage(&g, cov);
    for (int i = 0; i < COMP_REGION_MAX + 5; i++)
        if (i * 2 < GW)
            CHECK_EQ(cov[i % 3][i * 2], 1);    /* nothing added was lost */
}

TEST(clip_keeps_only_the_screen_part)
{
    struct comp_region g;
    comp_region_clear(&g);
    comp_region_add(&g, R(-10, -10, 30, 30));
    comp_region_add(&g, R(100, 100, 5, 5));
    comp_region_clip(&g, R(0, 0, 50, 40));
    CHECK_EQ(g.n, 1);
    CHECK_EQ(comp_region_area(&g), 400);
}

/* Occlusion as the compositor computes it: surface i's visible part is its rect
 * minus every surface above; painting bottom to top must give each pixel exactly
 * the topmost surface covering it, each visible pixel painted once. */
TEST(random_stacks_paint_every_pixel_with_its_topmost_surface_once)
{
    srand(12345);
    for (int round = 0; round < 300; round++) {
        int n = 1 + rand() % 7;
        struct comp_rect s[8];
        for (int i = 0; i < n; i++)
            s[i] = R(rand() % GW - 8, rand() % GH - 8, 1 + rand() % 40, 1 + rand() % 30);
        struct comp_rect damage = R(rand() % 20, rand() % 20, 1 + rand() % 50, 1 + rand() % 40);
        int owner[GH][GW], painted[GH][GW];
        memset(painted, 0, sizeof(painted));
        for (int y = 0; y < GH; y++)
            for (int x = 0; x < GW; x++) {
                owner[y][x] = -1;
                for (int i = 0; i < n; i++)
                    if (comp_rect_has_point(s[i], x, y))
                        owner[y][x] = i;
            }
        int last[GH][GW];
        for (int y = 0; y < GH; y++)
            for (int x = 0; x < GW; x++)
                last[y][x] = -2;
        /* Background: damage minus every surface. */
        struct comp_region bg = { .n = 1, .r = { damage } };
        for (int i = 0; i < n; i++)
            comp_region_subtract(&bg, s[i]);
        for (int k = 0; k < bg.n; k++)
            for (int y = 0; y < GH; y++)
                for (int x = 0; x < GW; x++)
                    if (comp_rect_has_point(bg.r[k], x, y)) {
                        last[y][x] = -1;
                        painted[y][x]++;
                    }
        for (int i = 0; i < n; i++) {
            struct comp_region v = { .n = 1, .r = { comp_rect_intersect(s[i], damage) } };
            if (comp_rect_empty(v.r[0]))
                v.n = 0;
            for (int j = i + 1; j < n; j++)
                comp_region_subtract(&v, s[j]);
            for (int k = 0; k < v.n; k++)
                for (int y = 0; y < GH; y++)
                    for (int x = 0; x < GW; x++)
                        if (comp_rect_has_point(v.r[k], x, y)) {
                            last[y][x] = i;
                            painted[y][x]++;
                        }
        }
        for (int y = 0; y < GH; y++)
            for (int x = 0; x < GW; x++) {
                if (comp_rect_has_point(damage, x, y)) {
                    CHECK_EQ(last[y][x], owner[y][x]);
                    CHECK_EQ(painted[y][x], 1);
                } else {
                    CHECK_EQ(painted[y][x], 0);
                }
            }
    }
}

/* A subtract that runs out of room keeps pieces whole: the region still covers
 * at least what it should, never less (over-drawing is safe, missing is not). */
TEST(subtract_out_of_room_overdraws_but_never_drops)
{
    struct comp_region g;
    comp_region_clear(&g);
    for (int i = 0; i < COMP_REGION_MAX; i++)
        g.r[g.n++] = R(i * 2, 0, 1, 40);
    for (int k = 0; k < 5; k++)
        comp_region_subtract(&g, R(0, 5 + k * 6, GW, 2));
    CHECK(g.overflow);
    uint8_t cov[GH][GW];
    coverage(&g, cov);
    for (int i = 0; i < COMP_REGION_MAX && i * 2 < GW; i++)
        for (int y = 0; y < 40; y++) {
            bool cut = false;
            for (int k = 0; k < 5; k++)
                cut |= y >= 5 + k * 6 && y < 7 + k * 6;
            if (!cut)
                CHECK_EQ(cov[y][i * 2], 1);
        }
}
