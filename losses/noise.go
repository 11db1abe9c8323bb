package losses

// InstanceNoise adds N(0, sigma_t^2) to every input of D, real and fake, with
// sigma_t = Sigma0 · max(0, 1 - t/Steps) annealed linearly to 0 (Sønderby et al. 2016,
// §3.1; Arjovsky & Bottou 2017, §3.2).
type InstanceNoise struct {
	Sigma0 float64 // noise at step 0
	Steps  int     // step at which the noise reaches 0
}

// Sigma is the noise standard deviation at training step t (0-based).
func (n InstanceNoise) Sigma(t int) float64 {
	if n.Sigma0 == 0 || n.Steps <= 0 {
		return 0
	}
	return n.Sigma0 * max(0, 1-float64(t)/float64(n.Steps))
}
