/* Proc KTEST program: plain musl start-up and stdio output, exit 0. */
#include <stdio.h>

int main(void)
{
    printf("hello from musl\n");
    return 0;
}
