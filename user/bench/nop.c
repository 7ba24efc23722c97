/* The helper that bench's fork+execve figure runs: a static program that does
 * nothing but exit 0, so the figure measures exec and process set-up, not work. */
int main(void)
{
    return 0;
}
