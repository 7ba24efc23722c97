/* Proc KTEST program: dereferences NULL; must die by SIGSEGV alone. */
int main(void)
{
    *(volatile int *)0 = 1;
    return 0;
}
