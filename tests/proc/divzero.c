/* Proc KTEST program: integer divide by zero; must die by SIGFPE. */
int main(void)
{
    int q, zero = 0;
    __asm__ volatile("cltd; idivl %2" : "=a"(q) : "a"(1), "r"(zero) : "edx");
    return q;
}
