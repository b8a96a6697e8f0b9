# task: basic_regression
# 김민준의 제출물: 한 개의 Dense 유닛으로 y = 2x - 1 을 학습합니다.
import numpy as np
import tensorflow as tf

# 입력 데이터와 정답 (레이블)
입력 = np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
정답 = 2 * 입력 - 1

모델 = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=[1])])  # 마지막 Dense = 출력 1개
모델.compile(optimizer="sgd", loss="mean_squared_error")
모델.fit(입력, 정답, epochs=500, verbose=0)
print("학습 완료 ✓")
모델.save("mymodel.h5")  # model.save('mymodel.h5')
