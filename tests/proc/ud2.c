/* Proc KTEST program: an invalid opcode; must die by SIGILL. */
int main(void)
{
    __asm__ volatile("ud2");
    return 0;
}
